namespace StreamLrcn.Training.Training;

public enum OptimizerKind
{
    /// <summary>SGD with momentum (the seed's choice).</summary>
    Sgd,
    Adam,
}
