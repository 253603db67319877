using System.Runtime.CompilerServices;

namespace MLOps.Tests;

/// <summary>Checks that a builder keeps no reference to what it was given (it copies what it needs into compact rows).</summary>
public static class WeakTracking
{
    /// <summary>Gives <paramref name="count"/> objects made by <paramref name="make"/> to <paramref name="add"/>, keeping only weak references.</summary>
    // Not inlined: no local in the calling test keeps the last object alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static List<WeakReference<T>> AddTracked<T>(Action<T> add, Func<int, T> make, int count) where T : class
    {
        var added = new List<WeakReference<T>>(count);
        for (var n = 0; n < count; n++)
        {
            var item = make(n);
            add(item);
            added.Add(new WeakReference<T>(item));
        }
        return added;
    }

    /// <summary>How many of the tracked objects survive a full collection.</summary>
    public static int Alive<T>(List<WeakReference<T>> tracked) where T : class
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return tracked.Count(w => w.TryGetTarget(out _));
    }
}
