using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace StreamLrcn.Models;

/// <summary>Small helpers to build ONNX graph pieces with OnnxSharp's protobuf types.</summary>
internal static class OnnxGraph
{
    public static NodeProto Node(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{outputs[0]}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static TensorProto FloatTensor(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var expected = dims.Aggregate(1L, (a, b) => a * b);
        if (values.Length != expected)
            throw new ArgumentException($"tensor {name}: expected {expected} values for [{string.Join(',', dims)}], found {values.Length}");
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        return tensor;
    }

    public static float[] ReadFloats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
            throw new ModelPackageException($"tensor {tensor.Name}: expected float data, found data type {tensor.DataType}");
        return tensor.FloatData.Count > 0
            ? tensor.FloatData.ToArray()
            : MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
    }

    /// <summary>A tensor value description; a dimension is a number or a symbolic name.</summary>
    public static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                long value => new TensorShapeProto.Types.Dimension { DimValue = value },
                _ => throw new ArgumentException($"dimension of {name} must be a string or an integer, found {dim}"),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    public static void Save(ModelProto model, string path)
    {
        var temporary = path + ".tmp-" + Environment.ProcessId;
        using (var stream = File.Create(temporary))
            model.WriteTo(stream);
        File.Move(temporary, path, overwrite: true);
    }
}
