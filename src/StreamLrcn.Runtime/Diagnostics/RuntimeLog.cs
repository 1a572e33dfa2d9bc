using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace StreamLrcn.Diagnostics;

/// <summary>
/// Where the runtime's log messages go when the caller hands no <see cref="ILoggerFactory"/> to
/// the type that logs. Silent by default, as a library should be; a host sets it once at start
/// (the command-line programs route it to Serilog). An embedding application usually passes its
/// own factory to <c>StreamLabeller</c> instead, which hands it to everything it creates.
/// </summary>
public static class RuntimeLog
{
    private static ILoggerFactory _factory = NullLoggerFactory.Instance;

    /// <summary>The fallback factory; null restores the silent one.</summary>
    public static ILoggerFactory Factory
    {
        get => Volatile.Read(ref _factory);
        set => Volatile.Write(ref _factory, value ?? NullLoggerFactory.Instance);
    }

    /// <summary>A logger for <typeparamref name="T"/> from <paramref name="factory"/>, else from <see cref="Factory"/>.</summary>
    public static ILogger For<T>(ILoggerFactory? factory = null) => (factory ?? Factory).CreateLogger<T>();

    /// <summary>A logger for a static class (which cannot be a type argument) by its type.</summary>
    public static ILogger For(Type type, ILoggerFactory? factory = null) => (factory ?? Factory).CreateLogger(type);
}
