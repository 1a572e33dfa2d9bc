using StreamLrcn.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace StreamLrcn.Training.Model;

/// <summary>
/// The recurrent head as trained: dropout on the CNN features, optionally a dense layer with ReLU and
/// dropout (the seed recipe's Flatten + Dense, for flattened feature maps), a stacked GRU, dropout, a linear
/// classifier applied at every step. Time-major like the runtime's head ONNX, so the exported graph
/// and this module take the same tensors. Dropout is active only in training mode; the exported
/// head is the module in evaluation mode.
/// </summary>
public sealed class GruClassifier : Module<Tensor, Tensor, (Tensor Logits, Tensor State)>
{
    // Field names become the parameter names in state_dict and checkpoints (RegisterComponents), hence no underscores.
    private readonly Dropout inputDropout;
    private readonly Linear? dense;
    private readonly Dropout? denseDropout;
    private readonly GRU gru;
    private readonly Dropout outputDropout;
    private readonly Linear classifier;

    /// <param name="denseSize">Units of the dense layer between the features and the GRU; 0 for none.</param>
    public GruClassifier(int featureSize, int hiddenSize, int layers, int classes, double dropout, int denseSize = 0) : base(nameof(GruClassifier))
    {
        if (featureSize < 1 || hiddenSize < 1 || layers < 1 || classes < 2 || denseSize < 0)
            throw new ArgumentOutOfRangeException(nameof(hiddenSize),
                $"expected feature size, hidden size and layers ≥ 1, ≥ 2 classes and a dense size ≥ 0, found {featureSize}, {hiddenSize}, {layers}, {classes}, {denseSize}");
        if (dropout is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout must be in [0, 1)");
        FeatureSize = featureSize;
        HiddenSize = hiddenSize;
        Layers = layers;
        ClassCount = classes;
        DenseSize = denseSize;
        inputDropout = Dropout(dropout);
        if (denseSize > 0)
        {
            dense = Linear(featureSize, denseSize);
            denseDropout = Dropout(dropout);
        }
        // PyTorch applies GRU dropout between stacked layers only; a single layer takes none.
        gru = GRU(denseSize > 0 ? denseSize : featureSize, hiddenSize, layers, batchFirst: false, dropout: layers > 1 ? dropout : 0);
        outputDropout = Dropout(dropout);
        classifier = Linear(hiddenSize, classes);
        RegisterComponents();
        Initialize();
    }

    public int FeatureSize { get; }

    /// <summary>Units of the dense layer before the GRU; 0 when there is none.</summary>
    public int DenseSize { get; }

    public int HiddenSize { get; }

    public int Layers { get; }

    public int ClassCount { get; }

    /// <summary>features [T, B, F], h0 [L, B, H] → logits [T, B, C], hn [L, B, H].</summary>
    public override (Tensor Logits, Tensor State) forward(Tensor features, Tensor h0)
    {
        using var scope = NewDisposeScope();
        var dropped = inputDropout.forward(features);
        if (dense is not null)
        {
            using var projected = dense.forward(dropped); // [T, B, D]
            using var rectified = functional.relu(projected);
            dropped = denseDropout!.forward(rectified);
        }
        var (output, state) = gru.forward(dropped, h0); // output [T, B, H]
        using (output)
        {
            using var droppedOutput = outputDropout.forward(output);
            var logits = classifier.forward(droppedOutput); // [T, B, C]
            return (logits.MoveToOuterDisposeScope(), state.MoveToOuterDisposeScope());
        }
    }

    /// <summary>A zero state for a batch: [L, B, H].</summary>
    public Tensor ZeroState(long batch) => zeros(Layers, batch, HiddenSize);

    /// <summary>
    /// The weights in the runtime's layout (PyTorch gate order r, z, n; see <see cref="GruLayerWeights"/>),
    /// copied out of the module.
    /// </summary>
    public HeadWeights ToHeadWeights()
    {
        var parameters = gru.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var layers = Enumerable.Range(0, Layers).Select(l => new GruLayerWeights(
            Floats(parameters[$"weight_ih_l{l}"]), Floats(parameters[$"weight_hh_l{l}"]),
            Floats(parameters[$"bias_ih_l{l}"]), Floats(parameters[$"bias_hh_l{l}"]))).ToArray();
        return new HeadWeights(FeatureSize, HiddenSize, layers, Floats(classifier.weight!), Floats(classifier.bias!))
        {
            Dense = dense is null ? null : new DenseLayerWeights(Floats(dense.weight!), Floats(dense.bias!)),
        };
    }

    /// <summary>A detached copy of every parameter, for keeping the best checkpoint in memory.</summary>
    public Dictionary<string, Tensor> Snapshot() =>
        state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());

    public void Restore(Dictionary<string, Tensor> snapshot) => load_state_dict(snapshot);

    // The seed's recipe: orthogonal recurrent matrices (one per gate, so each gate starts norm-preserving),
    // Glorot-uniform input and classifier matrices, gate biases at one. PyTorch's GRU has two bias
    // vectors per layer; the input bias carries the one and the recurrent bias starts at zero, so the
    // effective bias of every gate is one (a remembering update gate at the start of training).
    private void Initialize()
    {
        using var noGrad = no_grad();
        var parameters = gru.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        for (var l = 0; l < Layers; l++)
        {
            var recurrent = parameters[$"weight_hh_l{l}"]; // [3H, H]
            for (var gate = 0; gate < 3; gate++)
            {
                using var block = recurrent.narrow(0, gate * HiddenSize, HiddenSize);
                init.orthogonal_(block);
            }
            init.xavier_uniform_(parameters[$"weight_ih_l{l}"]); // [3H, In]
            parameters[$"bias_ih_l{l}"].fill_(1);
            parameters[$"bias_hh_l{l}"].fill_(0);
        }
        if (dense is not null)
        {
            init.xavier_uniform_(dense.weight!);
            dense.bias!.fill_(0);
        }
        init.xavier_uniform_(classifier.weight!);
        classifier.bias!.fill_(0);
    }

    private static float[] Floats(Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().contiguous();
        return cpu.data<float>().ToArray();
    }
}
