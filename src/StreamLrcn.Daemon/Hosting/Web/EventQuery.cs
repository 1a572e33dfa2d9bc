namespace StreamLrcn.Hosting.Web;

/// <summary>A filter of <c>GET /api/events</c>: all given conditions hold; newest first, at most <see cref="Limit"/>.</summary>
public sealed record EventQuery(string? Camera = null, string? Label = null, DateTimeOffset? After = null, DateTimeOffset? Before = null, int Limit = 100, string? Kind = null);
