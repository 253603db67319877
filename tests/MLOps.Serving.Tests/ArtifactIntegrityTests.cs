using MLOps.Recommenders;
using MLOps.Recommenders.Artifacts;
using MLOps.Registry;
using MLOps.Serving.Model;
using MLOps.Storage;

namespace MLOps.Serving.Tests;

/// <summary>
/// The registry records each artifact's SHA-256 in the version's manifest; serving loads a version only when the bytes it
/// read are those bytes. The artifact's own checks (magic, lengths, index ranges) catch truncation, not a changed weight.
/// </summary>
public sealed class ArtifactIntegrityTests
{
    [Fact]
    public async Task RegistryLoad_RefusesAnArtifactWhoseBytesDifferFromTheManifest_EvenWhenTheyStillParse()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("mlops-integrity-");
        try
        {
            var store = new FolderBlobStore(folder.FullName);
            var registry = new ModelRegistry(store);
            var (catalog, events) = SyntheticData.Create(items: 40, users: 20);
            var bytes = ModelArtifact.ToBytes(ModelTrainer.Train("sar", null, TrainingData.FromEvents(events, catalog)));
            var version = (await registry.RegisterAsync("recommender", new ModelVersionDraft { Type = "sar" },
                new Dictionary<string, BinaryData> { ["model.mlrc"] = BinaryData.FromBytes(bytes) }, ct)).Version;
            var source = new RegistryModelSource(registry);
            var model = new ModelRef("recommender", $"{version}");

            Assert.NotNull(await source.LoadAsync(model, ct)); // intact: loads

            // One bit of the last weight (its lowest mantissa byte, the file's last byte) flipped: same length, still a valid artifact.
            var tampered = (byte[])bytes.Clone();
            tampered[^1] ^= 0x01;
            ModelArtifact.FromBytes(tampered);
            await store.WriteAsync(ModelRegistry.ArtifactPath("recommender", version, "model.mlrc"), BinaryData.FromBytes(tampered), cancellationToken: ct);

            var error = await Assert.ThrowsAsync<InvalidDataException>(() => source.LoadAsync(model, ct));
            Assert.Contains("SHA-256", error.Message, StringComparison.Ordinal);
            Assert.Contains("model.mlrc", error.Message, StringComparison.Ordinal);
            Assert.Contains(ModelRegistry.Sha256Of(BinaryData.FromBytes(bytes)), error.Message, StringComparison.Ordinal);
        }
        finally { folder.Delete(recursive: true); }
    }
}
