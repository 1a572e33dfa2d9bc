using OpenCvSharp;
using OpenCvSharp.Internal;

namespace StreamLrcn.Preprocessing;

/// <summary>
/// The OpenCV operations of the per-frame path, called without OpenCvSharp's managed
/// <c>InputArray</c>/<c>OutputArray</c> wrappers: <c>Cv2.Resize(mat, mat)</c> creates two of them a
/// call (finalizable objects, ~390 B a frame), while the native array views are created and deleted
/// here around the call. Same native functions, same results (tests compare them with
/// <see cref="Cv2"/>); the entry points are OpenCvSharp's public <see cref="NativeMethods"/>.
/// </summary>
internal static class OpenCvCalls
{
    /// <summary><c>cv::resize(source, target, size, 0, 0, interpolation)</c>.</summary>
    public static void Resize(Mat source, Mat target, Size size, InterpolationFlags interpolation)
    {
        var input = In(source);
        try
        {
            var output = Out(target);
            try
            {
                NativeMethods.HandleException(NativeMethods.imgproc_resize(input, output, size, 0, 0, (int)interpolation));
            }
            finally
            {
                NativeMethods.HandleException(NativeMethods.core_OutputArray_delete(output));
            }
        }
        finally
        {
            NativeMethods.HandleException(NativeMethods.core_InputArray_delete(input));
        }
        GC.KeepAlive(source);
        GC.KeepAlive(target);
    }

    /// <summary><c>cv::absdiff(a, b, target)</c>, then <c>target.convertTo(target, type, scale)</c> (saturating on 8 bits).</summary>
    public static void AbsDiffScaled(Mat a, Mat b, Mat target, double scale)
    {
        var first = In(a);
        try
        {
            var second = In(b);
            try
            {
                var output = Out(target);
                try
                {
                    NativeMethods.HandleException(NativeMethods.core_absdiff(first, second, output));
                    NativeMethods.HandleException(NativeMethods.core_Mat_convertTo(target.CvPtr, output, target.Type(), scale, 0));
                }
                finally
                {
                    NativeMethods.HandleException(NativeMethods.core_OutputArray_delete(output));
                }
            }
            finally
            {
                NativeMethods.HandleException(NativeMethods.core_InputArray_delete(second));
            }
        }
        finally
        {
            NativeMethods.HandleException(NativeMethods.core_InputArray_delete(first));
        }
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        GC.KeepAlive(target);
    }

    private static IntPtr In(Mat mat)
    {
        NativeMethods.HandleException(NativeMethods.core_InputArray_new_byMat(mat.CvPtr, out var array));
        return array;
    }

    private static IntPtr Out(Mat mat)
    {
        NativeMethods.HandleException(NativeMethods.core_OutputArray_new_byMat(mat.CvPtr, out var array));
        return array;
    }
}
