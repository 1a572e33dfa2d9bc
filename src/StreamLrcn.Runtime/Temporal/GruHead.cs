using Microsoft.ML.OnnxRuntime;
using StreamLrcn.Models;

namespace StreamLrcn.Temporal;

/// <summary>
/// The recurrent head in ONNX Runtime: a one-frame step with carried state (per-frame labels),
/// for one stream or for many streams at once in one run over the head's batch dimension, and a
/// run over a whole window from a zero state (window labels). Tensors are bound over buffers this
/// object owns, once per batch size, through an <see cref="OrtIoBinding"/>, so a step allocates
/// nothing after the first of its size (not even the handle arrays a plain <c>Run</c> builds).
/// Not thread-safe.
/// </summary>
public sealed class GruHead : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly Dictionary<int, Binding> _steps = [];
    private readonly Binding _window;

    /// <param name="window">Frames in a sliding window; the manifest's training window unless the user overrides it.</param>
    public GruHead(ModelPackage package, int window)
    {
        var head = package.Manifest.Head;
        FeatureSize = package.Manifest.Cnn.HeadFeatureSize;
        HiddenSize = head.HiddenSize;
        Layers = head.Layers;
        ClassCount = package.Manifest.Labels.Count;
        Thresholds = LabelThresholds.From(package.Manifest);
        Window = window;
        using (var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 })
            _session = new InferenceSession(package.HeadPath, options);
        _inputNames = [head.FeaturesInput, head.StateInput];
        _outputNames = [head.ProbabilitiesOutput, head.StateOutput];
        _window = new Binding(this, Window, 1);
    }

    public int FeatureSize { get; }

    /// <summary>The package's per-label thresholds (labels below them: "none"); null when it has none.</summary>
    public LabelThresholds? Thresholds { get; }

    public int HiddenSize { get; }

    public int Layers { get; }

    public int ClassCount { get; }

    public int Window { get; }

    /// <summary>Size of the recurrent state of one stream ([layers, hidden]).</summary>
    public int StateSize => Layers * HiddenSize;

    /// <summary>One step: reads <paramref name="state"/>, overwrites it with the new state, writes class probabilities.</summary>
    public void Step(ReadOnlySpan<float> features, Span<float> state, Span<float> probabilities) =>
        StepMany(1, features, state, probabilities);

    /// <summary>
    /// One step of <paramref name="count"/> streams in one run: <paramref name="features"/> is
    /// [count, FeatureSize], <paramref name="states"/> [count, StateSize] (each stream's state as
    /// <see cref="Step"/> keeps it, overwritten with the new one), <paramref name="probabilities"/>
    /// [count, ClassCount]. Equals <paramref name="count"/> calls of <see cref="Step"/>.
    /// </summary>
    public void StepMany(int count, ReadOnlySpan<float> features, Span<float> states, Span<float> probabilities)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (!_steps.TryGetValue(count, out var step))
            _steps.Add(count, step = new Binding(this, 1, count));
        features[..(count * FeatureSize)].CopyTo(step.Features);
        // A stream keeps its state as [layers, hidden]; the head wants [layers, streams, hidden].
        for (var b = 0; b < count; b++)
            for (var l = 0; l < Layers; l++)
                states.Slice(b * StateSize + l * HiddenSize, HiddenSize).CopyTo(step.State.AsSpan((l * count + b) * HiddenSize, HiddenSize));
        Run(step);
        for (var b = 0; b < count; b++)
            for (var l = 0; l < Layers; l++)
                step.NextState.AsSpan((l * count + b) * HiddenSize, HiddenSize).CopyTo(states.Slice(b * StateSize + l * HiddenSize, HiddenSize));
        step.Probabilities.AsSpan(0, count * ClassCount).CopyTo(probabilities);
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

    private void Run(Binding binding) => _session.RunWithBinding(_runOptions, binding.IoBinding);

    public void Dispose()
    {
        foreach (var step in _steps.Values)
            step.Dispose();
        _window.Dispose();
        _session.Dispose();
        _runOptions.Dispose();
    }

    /// <summary>Buffers for a fixed sequence length and batch size, the OrtValues over them and their binding to the head's inputs and outputs.</summary>
    private sealed class Binding : IDisposable
    {
        public Binding(GruHead head, int steps, int batch)
        {
            Features = new float[steps * batch * head.FeatureSize];
            State = new float[batch * head.StateSize];
            Probabilities = new float[steps * batch * head.ClassCount];
            NextState = new float[batch * head.StateSize];
            Inputs =
            [
                OrtValue.CreateTensorValueFromMemory(Features, [steps, batch, head.FeatureSize]),
                OrtValue.CreateTensorValueFromMemory(State, [head.Layers, batch, head.HiddenSize]),
            ];
            Outputs =
            [
                OrtValue.CreateTensorValueFromMemory(Probabilities, [steps, batch, head.ClassCount]),
                OrtValue.CreateTensorValueFromMemory(NextState, [head.Layers, batch, head.HiddenSize]),
            ];
            IoBinding = head._session.CreateIoBinding();
            for (var i = 0; i < Inputs.Length; i++)
                IoBinding.BindInput(head._inputNames[i], Inputs[i]);
            for (var i = 0; i < Outputs.Length; i++)
                IoBinding.BindOutput(head._outputNames[i], Outputs[i]);
        }

        public float[] Features { get; }
        public float[] State { get; }
        public float[] Probabilities { get; }
        public float[] NextState { get; }
        public OrtValue[] Inputs { get; }
        public OrtValue[] Outputs { get; }
        public OrtIoBinding IoBinding { get; }

        public void Dispose()
        {
            IoBinding.Dispose();
            foreach (var value in Inputs.Concat(Outputs))
                value.Dispose();
        }
    }
}
