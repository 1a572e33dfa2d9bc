using System.CommandLine;
using StreamLrcn.Cli;
using StreamLrcn.Training.Cli;

var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug details.", Recursive = true };
var root = new RootCommand(
    "StreamLrcn trainer: learns the recurrent (GRU) head from labelled clips and writes a model package (manifest.json + head.onnx) " +
    "that StreamClassifier loads. Start with: ModelTraining train DATA --out models/mine")
{
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    IdleClipsCommand.Create(),
};
return CommandLineProgram.Run(root, verbose, args);
