// Labels every frame of one or more recorded videos with the StreamLrcn runtime library and
// prints one JSON line per frame on standard output: the same records as
// `StreamClassifier replay VIDEO --out -`. The library's own log goes to standard error.
//
//   dotnet run --project samples/EmbedReplay -- VIDEO [VIDEO...] [--model models/default]

using Microsoft.Extensions.Logging;
using StreamLrcn.Capture;
using StreamLrcn.Embedding;
using StreamLrcn.Models;
using StreamLrcn.Sinks;
using StreamLrcn.Validation;

var model = "models/default";
var videos = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--model" && i + 1 < args.Length)
        model = args[++i];
    else
        videos.Add(args[i]);
}
if (videos.Count == 0)
{
    Console.Error.WriteLine("usage: EmbedReplay VIDEO [VIDEO...] [--model PACKAGE]");
    return 2;
}

// Standard output carries only labels: every log level goes to standard error.
using var loggerFactory = LoggerFactory.Create(logging => logging
    .SetMinimumLevel(LogLevel.Information)
    .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
    .AddSimpleConsole(console => console.SingleLine = true));
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

try
{
    await using var labeller = StreamLabeller.Create(new StreamLabellerOptions { ModelPath = model }, loggerFactory);
    var names = StreamNames.Distinct(videos);
    for (var i = 0; i < videos.Count; i++)
        labeller.AddSource(videos[i], names[i]);

    using var output = new JsonLinesLabelSink(Console.OpenStandardOutput(), labeller.Labels);
    await foreach (var label in labeller.ReadLabelsAsync(stop.Token))
        output.Write(label);
    output.Flush();

    var result = labeller.Result!;
    Console.Error.WriteLine($"{result.FramesLabelled} frames labelled in {result.Elapsed.TotalSeconds:0.0} s");
    return result.AnyStreamFailed ? 1 : 0;
}
catch (Exception ex) when (ex is InvalidOptionException or ModelPackageException or FrameSourceException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
catch (OperationCanceledException)
{
    return 130;
}
