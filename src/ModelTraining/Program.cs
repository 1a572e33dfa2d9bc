// Throwaway load check; the real trainer replaces this file.
using TorchSharp;
using static TorchSharp.torch;

var a = tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 });
var b = tensor(new float[] { 5, 6, 7, 8 }, new long[] { 2, 2 });
var c = matmul(a, b);
Console.WriteLine($"torch ok: libtorch {torch.__version__}, [[1,2],[3,4]]x[[5,6],[7,8]] = [{string.Join(", ", c.data<float>().ToArray())}]");
