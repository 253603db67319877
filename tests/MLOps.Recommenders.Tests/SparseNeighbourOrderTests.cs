using MLOps.Recommenders.Artifacts;
using MLOps.Recommenders.Models;

namespace MLOps.Recommenders.Tests;

/// <summary>
/// The sparse (SAR/content) attribution stops reading a neighbour list once its weights cannot beat the best term found, so a
/// list must be best first. An artifact whose list is not (written by hand, another tool, a bug) is put in order at load.
/// </summary>
public class SparseNeighbourOrderTests
{
    // Rows by item: t0 → t2 (4), t3 (0.5); t1 → t2 (1). Sorted as Prune writes them.
    private static readonly int[] Offsets = [0, 2, 3, 3, 3];
    private static readonly int[] Neighbours = [2, 3, 2];
    private static readonly float[] Weights = [4f, 0.5f, 1f];

    private static ItemItemRecommender Model() =>
        ItemItemRecommender.Sparse("sar", new ItemIndex(["t0", "t1", "t2", "t3"]), new Dictionary<string, double>(), Offsets, Neighbours, Weights);

    /// <summary>The artifact's bytes with t0's list swapped to t3 (0.5), t2 (4): the sparse payload ends with the neighbours and weights arrays.</summary>
    private static byte[] UnsortedArtifact(byte[] sorted)
    {
        var bytes = (byte[])sorted.Clone();
        var weightsAt = bytes.Length - 4 * Weights.Length;
        var neighboursAt = weightsAt - 4 - 4 * Neighbours.Length;
        Swap(bytes, weightsAt, weightsAt + 4);
        Swap(bytes, neighboursAt, neighboursAt + 4);
        Assert.Equal([0.5f, 4f], new[] { BitConverter.ToSingle(bytes, weightsAt), BitConverter.ToSingle(bytes, weightsAt + 4) });
        Assert.Equal([3, 2], new[] { BitConverter.ToInt32(bytes, neighboursAt), BitConverter.ToInt32(bytes, neighboursAt + 4) });
        return bytes;
    }

    private static void Swap(byte[] bytes, int a, int b)
    {
        for (var x = 0; x < 4; x++) (bytes[a + x], bytes[b + x]) = (bytes[b + x], bytes[a + x]);
    }

    /// <summary>
    /// History t1 then t0, item t2: t1 adds 1, then t0's list is read while a weight beats 1. Unsorted, it stopped at t3 (0.5)
    /// and named t1 (position 0); t0 adds 4 and is the reason. Scores and the re-written artifact equal the sorted model's.
    /// </summary>
    [Fact]
    public void UnsortedList_IsPutBestFirstAtLoad()
    {
        var sorted = Model();
        var bytes = ModelArtifact.ToBytes(sorted);

        var loaded = (ItemItemRecommender)ModelArtifact.FromBytes(UnsortedArtifact(bytes));

        Assert.Equal(1, loaded.TopContributor([1, 0], 2));
        var scores = new float[4];
        var expected = new float[4];
        loaded.Score([1, 0], scores);
        sorted.Score([1, 0], expected);
        Assert.Equal(5f, scores[2]);
        Assert.Equal(expected, scores);
        var neighbours = new int[1];
        var weights = new float[1];
        Assert.Equal(1, loaded.Neighbours(0, neighbours, weights));
        Assert.Equal((2, 4f), (neighbours[0], weights[0]));
        Assert.Equal(bytes, ModelArtifact.ToBytes(loaded));
    }

    /// <summary>A sorted artifact loads as it was written (same bytes back); offsets that decrease are refused plainly.</summary>
    [Fact]
    public void SortedList_LoadsUnchanged_AndBadOffsetsAreRefused()
    {
        var bytes = ModelArtifact.ToBytes(Model());

        Assert.Equal(bytes, ModelArtifact.ToBytes(ModelArtifact.FromBytes(bytes)));
        var error = Assert.Throws<InvalidDataException>(() => ItemItemRecommender.Sparse("sar", new ItemIndex(["t0", "t1", "t2", "t3"]),
            new Dictionary<string, double>(), [0, 3, 2, 3, 3], Neighbours, Weights));
        Assert.Contains("offsets", error.Message);
    }
}
