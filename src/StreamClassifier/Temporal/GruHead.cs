using Microsoft.ML.OnnxRuntime;
using StreamLrcn.Models;

namespace StreamLrcn.Temporal;

/// <summary>
/// The recurrent head in ONNX Runtime: a one-frame step with carried state (per-frame labels)
/// and a run over a whole window from a zero state (window labels). All tensors are bound once
/// over buffers this object owns, so a step allocates nothing. Not thread-safe.
/// </summary>
public sealed class GruHead : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly Binding _step;
    private readonly Binding _window;

    /// <param name="window">Frames in a sliding window; the manifest's training window unless the user overrides it.</param>
    public GruHead(ModelPackage package, int window)
    {
        var head = package.Manifest.Head;
        FeatureSize = package.Manifest.Cnn.FeatureSize;
        HiddenSize = head.HiddenSize;
        Layers = head.Layers;
        ClassCount = package.Manifest.Labels.Count;
        Window = window;
        using (var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 })
            _session = new InferenceSession(package.HeadPath, options);
        _inputNames = [head.FeaturesInput, head.StateInput];
        _outputNames = [head.ProbabilitiesOutput, head.StateOutput];
        _step = new Binding(this, 1);
        _window = new Binding(this, Window);
    }

    public int FeatureSize { get; }

    public int HiddenSize { get; }

    public int Layers { get; }

    public int ClassCount { get; }

    public int Window { get; }

    /// <summary>Size of the recurrent state of one stream ([layers, hidden]).</summary>
    public int StateSize => Layers * HiddenSize;

    /// <summary>One step: reads <paramref name="state"/>, overwrites it with the new state, writes class probabilities.</summary>
    public void Step(ReadOnlySpan<float> features, Span<float> state, Span<float> probabilities)
    {
        features.CopyTo(_step.Features);
        state.CopyTo(_step.State);
        Run(_step);
        _step.NextState.CopyTo(state);
        _step.Probabilities.AsSpan(0, ClassCount).CopyTo(probabilities);
    }

    /// <summary>
    /// Runs the head over exactly <see cref="Window"/> frames of features ([Window, F], oldest first)
    /// from a zero state and writes the probabilities after the last frame, the way clips are
    /// classified in training.
    /// </summary>
    public void RunWindow(ReadOnlySpan<float> windowFeatures, Span<float> probabilities)
    {
        windowFeatures.CopyTo(_window.Features);
        Array.Clear(_window.State);
        Run(_window);
        _window.Probabilities.AsSpan((Window - 1) * ClassCount, ClassCount).CopyTo(probabilities);
    }

    /// <summary>Runs any sequence from a given state; for tests and tools, allocates its own tensors.</summary>
    public float[] RunSequence(float[] features, int steps, float[] state)
    {
        using var x = OrtValue.CreateTensorValueFromMemory(features, [steps, 1, FeatureSize]);
        using var h = OrtValue.CreateTensorValueFromMemory(state, [Layers, 1, HiddenSize]);
        var probabilities = new float[steps * ClassCount];
        using var p = OrtValue.CreateTensorValueFromMemory(probabilities, [steps, 1, ClassCount]);
        using var hn = OrtValue.CreateTensorValueFromMemory(new float[StateSize], [Layers, 1, HiddenSize]);
        _session.Run(_runOptions, _inputNames, [x, h], _outputNames, [p, hn]);
        return probabilities;
    }

    private void Run(Binding binding) =>
        _session.Run(_runOptions, _inputNames, binding.Inputs, _outputNames, binding.Outputs);

    public void Dispose()
    {
        _step.Dispose();
        _window.Dispose();
        _session.Dispose();
        _runOptions.Dispose();
    }

    /// <summary>Buffers for a fixed sequence length and the OrtValues over them.</summary>
    private sealed class Binding : IDisposable
    {
        public Binding(GruHead head, int steps)
        {
            Features = new float[steps * head.FeatureSize];
            State = new float[head.StateSize];
            Probabilities = new float[steps * head.ClassCount];
            NextState = new float[head.StateSize];
            Inputs =
            [
                OrtValue.CreateTensorValueFromMemory(Features, [steps, 1, head.FeatureSize]),
                OrtValue.CreateTensorValueFromMemory(State, [head.Layers, 1, head.HiddenSize]),
            ];
            Outputs =
            [
                OrtValue.CreateTensorValueFromMemory(Probabilities, [steps, 1, head.ClassCount]),
                OrtValue.CreateTensorValueFromMemory(NextState, [head.Layers, 1, head.HiddenSize]),
            ];
        }

        public float[] Features { get; }
        public float[] State { get; }
        public float[] Probabilities { get; }
        public float[] NextState { get; }
        public OrtValue[] Inputs { get; }
        public OrtValue[] Outputs { get; }

        public void Dispose()
        {
            foreach (var value in Inputs.Concat(Outputs))
                value.Dispose();
        }
    }
}
