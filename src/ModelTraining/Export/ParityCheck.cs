using Microsoft.ML.OnnxRuntime;
using StreamLrcn.Models;
using StreamLrcn.Training.Model;
using static TorchSharp.torch;

namespace StreamLrcn.Training.Export;

/// <summary>
/// Runs a head ONNX in ONNX Runtime and the trained module in TorchSharp on the same inputs and
/// measures the largest absolute difference of logits, probabilities and final state. Inputs: seeded
/// random features with random (non-zero) initial states at several lengths and batch sizes, and
/// real clips' features from a zero state, as the runtime runs them.
/// </summary>
public static class ParityCheck
{
    public const double DefaultTolerance = 1e-5;

    /// <param name="realSequences">Real feature sequences ([T, F] each) to replay through both.</param>
    public static ParityReport Measure(GruClassifier model, ModelPackage package, IReadOnlyList<float[]> realSequences, int seed = 7)
    {
        var head = package.Manifest.Head;
        var featureSize = model.FeatureSize;
        var random = new Random(seed);
        var cases = new List<(float[] Features, int Steps, int Batch, float[] State)>();
        foreach (var (steps, batch) in new[] { (1, 1), (package.Manifest.Window, 1), (package.Manifest.Window, 3), (3 * package.Manifest.Window + 1, 2) })
        {
            // Random features in the range ResNet features take (non-negative, a few units at most).
            var features = new float[steps * batch * featureSize];
            for (var i = 0; i < features.Length; i++)
                features[i] = (float)(random.NextDouble() * 3);
            var state = new float[model.Layers * batch * model.HiddenSize];
            for (var i = 0; i < state.Length; i++)
                state[i] = (float)(random.NextDouble() * 2 - 1);
            cases.Add((features, steps, batch, state));
        }
        foreach (var sequence in realSequences)
            cases.Add((sequence, sequence.Length / featureSize, 1, new float[model.Layers * model.HiddenSize]));

        model.eval();
        using var session = new InferenceSession(package.HeadPath);
        using var runOptions = new RunOptions();
        double logits = 0, probabilities = 0, states = 0;
        var totalSteps = 0;
        foreach (var (features, steps, batch, state) in cases)
        {
            long[] featureShape = [steps, batch, featureSize];
            long[] stateShape = [model.Layers, batch, model.HiddenSize];
            float[] torchLogits, torchProbabilities, torchState;
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var (l, h) = model.forward(tensor(features, featureShape), tensor(state, stateShape));
                torchLogits = l.data<float>().ToArray();
                torchProbabilities = nn.functional.softmax(l, 2).data<float>().ToArray();
                torchState = h.contiguous().data<float>().ToArray();
            }

            using var x = OrtValue.CreateTensorValueFromMemory(features, featureShape);
            using var h0 = OrtValue.CreateTensorValueFromMemory(state, stateShape);
            using var outputs = session.Run(runOptions, new Dictionary<string, OrtValue> { [head.FeaturesInput] = x, [head.StateInput] = h0 },
                [head.LogitsOutput, head.ProbabilitiesOutput, head.StateOutput]);
            logits = Math.Max(logits, MaxDifference(torchLogits, outputs[0].GetTensorDataAsSpan<float>()));
            probabilities = Math.Max(probabilities, MaxDifference(torchProbabilities, outputs[1].GetTensorDataAsSpan<float>()));
            states = Math.Max(states, MaxDifference(torchState, outputs[2].GetTensorDataAsSpan<float>()));
            totalSteps += steps * batch;
        }
        return new ParityReport(logits, probabilities, states, cases.Count, totalSteps);
    }

    private static double MaxDifference(float[] expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length)
            return double.PositiveInfinity;
        double max = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = Math.Abs((double)expected[i] - actual[i]);
            if (double.IsNaN(difference))
                return double.PositiveInfinity;
            max = Math.Max(max, difference);
        }
        return max;
    }
}
