using TorchSharp;
using static TorchSharp.torch;

namespace StreamLrcn.Training.Tests.Training;

public class TorchSharpLoadTests
{
    [Fact]
    public void TorchSharp_native_library_loads_and_computes()
    {
        const int n = 3, k = 4, m = 2;
        var a = new float[n * k];
        var b = new float[k * m];
        for (int i = 0; i < a.Length; i++) a[i] = i * 0.5f - 1f;
        for (int i = 0; i < b.Length; i++) b[i] = 2f - i * 0.25f;

        var expected = new float[n * m];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < m; c++)
            {
                float sum = 0;
                for (int j = 0; j < k; j++) sum += a[r * k + j] * b[j * m + c];
                expected[r * m + c] = sum;
            }

        using var ta = tensor(a, new long[] { n, k });
        using var tb = tensor(b, new long[] { k, m });
        using var tc = matmul(ta, tb);

        Assert.Equal(new long[] { n, m }, tc.shape);
        var actual = tc.data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], 1e-5f);
    }
}
