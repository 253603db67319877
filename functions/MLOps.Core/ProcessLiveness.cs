using System.Diagnostics;

namespace MLOps.Core;

/// <summary>Whether the process named by a lease (host and pid) is gone, so its lease can be taken over at once.</summary>
public static class ProcessLiveness
{
    /// <summary>True when <paramref name="pid"/> on this machine has exited; a process on another machine is never known gone.</summary>
    public static bool HasExited(string host, int pid)
    {
        if (host != Environment.MachineName) return false;
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return true;
        }
    }
}
