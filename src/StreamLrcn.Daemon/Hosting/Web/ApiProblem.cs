namespace StreamLrcn.Hosting.Web;

/// <summary>A request the API refuses (bad query, unknown camera or event): answered as JSON with <see cref="Status"/>.</summary>
internal sealed class ApiProblem(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
