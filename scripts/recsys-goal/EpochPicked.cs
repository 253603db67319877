using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;

/// The protocol of the neural experiments: train on the validation split, score every `every` epochs (alone and blended with
/// iALS), keep the best epoch count; then, with `test`, train that long on the benchmark split and report it alone and blended.
static class EpochPicked
{
    public delegate IRecommender Trainer(TrainingData data, int epochs, Action<int, IRecommender>? everyEpoch);

    public static void Run(string name, Trainer train, int epochs, int every, float validationWeight, string validationBlendLabel,
        float[] testWeights, Split validation, Split split, bool test)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ialsV = ModelTrainer.Train("ials", null, validation.Train, 42);
        var best = (Epoch: 0, Ndcg: 0.0);
        train(validation.Train, epochs, (e, m) =>
        {
            if (e % every != 0) return;
            var r = Evaluator.Evaluate(m, validation, 10);
            var bl = Evaluator.Evaluate(new ZBlend([ialsV, m], [1, validationWeight]), validation, 10);
            Console.WriteLine($"val epoch {e}: {name} {r["ndcg@10"]:0.0000}/{r["precision@10"]:0.0000}  {validationBlendLabel} {bl["ndcg@10"]:0.0000}/{bl["precision@10"]:0.0000}  ({clock.Elapsed.TotalSeconds:0} s)");
            if (r["ndcg@10"] > best.Ndcg) best = (e, r["ndcg@10"]);
        });
        Console.WriteLine($"best validation epoch {best.Epoch} ({best.Ndcg:0.0000})");
        if (!test) return;
        var mt = train(split.Train, best.Epoch, null);
        var ialsT = ModelTrainer.Train("ials", null, split.Train, 42);
        var rt = Evaluator.Evaluate(mt, split, 10);
        Console.WriteLine($"test {name} {rt["ndcg@10"]:0.0000}/{rt["precision@10"]:0.0000}");
        foreach (var w in testWeights)
        {
            var bl = Evaluator.Evaluate(new ZBlend([ialsT, mt], [1, w]), split, 10);
            Console.WriteLine($"test ials+{w}{name} {bl["ndcg@10"]:0.0000}/{bl["precision@10"]:0.0000}");
        }
    }
}
