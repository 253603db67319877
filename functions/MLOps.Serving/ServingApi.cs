using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MLOps.Core;
using MLOps.Core.Http;
using MLOps.Core.Http.OpenApi;
using MLOps.Core.Security;
using MLOps.Serving.Events;
using MLOps.Serving.Experiments;
using MLOps.Serving.Model;
using MLOps.Serving.OpenApi;
using MLOps.Serving.Search;

namespace MLOps.Serving;

/// <summary>
/// The serving routes (DESIGN.md "Interfaces"). Handlers validate, call one service and map the result; every
/// rejection is a problem details body naming the field. Reads need the read role, events write, experiment results admin.
/// </summary>
public static class ServingApi
{
    private static readonly Histogram<double> Latency = Telemetry.Meter.CreateHistogram<double>(
        "mlops.serving.request.duration", "ms", "Handler time of serving endpoints (tag: endpoint).");

    /// <summary>
    /// The declared length of <c>exclude</c>: the Functions host's 4 KB URL less 1 KB for the path (at most 155 bytes with a
    /// 128-character id) and the other parameters. 500 ids of 128 characters (64,500) were declared, which no URL carries.
    /// </summary>
    public const int ExcludeMaxLength = RequestTargetLimit.FunctionsHostMaxBytes - 1024;

    public static IEndpointRouteBuilder MapServingApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi().WithName("OpenApiDocument").AddEndpointFilter(OpenApiDocuments.UnknownIsProblemAsync);
        app.MapMethods("/ready", HealthApi.ProbeMethods, Ready).WithName("Ready").WithTags("Serving").ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        var api = app.MapGroup("/api").WithTags("Serving").WithApiResponseHeaders();
        api.MapGet("/users/{id}/recommendations", Recommendations).WithName("Recommendations").RequireRole(ApiRole.Read).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithQuery(o => [
                QueryParameter.Integer("k", "How many titles.", 1, o.MaxK, 10),
                QueryParameter.Text("genres", "Comma list of genres (known genres only); titles of any of them.", 20 * 129),
                QueryParameter.Text("exclude", FormattableString.Invariant($"Comma list of content ids never to list: at most 500 ids of up to 128 characters, within the URL's limit ({RequestTargetLimit.FunctionsHostMaxBytes:N0} bytes on Azure, {RequestTargetLimit.MaxBytes:N0} locally; a longer URL is refused), so at most {ExcludeMaxLength:N0} characters are declared: about 300 ids of 9 characters."), ExcludeMaxLength),
                QueryParameter.Number("diversity", "0 keeps the model's order; up to 1 trades relevance for genre variety.", 0, 1, 0),
                QueryParameter.Boolean("excludeSeen", "Leave out titles the user played or rated.", true)]);
        api.MapGet("/users/{id}/rows", Rows).WithName("Rows").RequireRole(ApiRole.Read).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithDescription("An item's score is what its row is ordered by: the model's score (top picks, 'Because you watched', '<genre> for you'), "
                + "trending divided by the largest trending value ('Trending now', 'Popular in <genre>'), or the release's recency, "
                + "0.5^(age in days before the catalogue's newest release / 180) ('New releases', ordered by release date).")
            .WithQuery(o => [
                QueryParameter.Integer("rows", "How many rows (empty rows are dropped).", 1, o.MaxRows, 8),
                QueryParameter.Integer("perRow", "Titles per row.", 1, o.MaxK, 10),
                QueryParameter.Text("genres", "Comma list of genres (known genres only): every row lists titles of any of them, and the genre rows are theirs (a new user's stated tastes).", 20 * 129)]);
        api.MapGet("/items/{id}/similar", Similar).WithName("Similar").RequireRole(ApiRole.Read)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithQuery(o => [QueryParameter.Integer("k", "How many titles.", 1, o.MaxK, 10)]);
        api.MapGet("/search", Search).WithName("Search").RequireRole(ApiRole.Read).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithQuery(o => [
                QueryParameter.Text("q", "The text to search for: at least one letter or digit.", o.MaxQueryLength, required: true),
                QueryParameter.Text("user", "Personalizes the order by this user's genre affinity.", o.MaxIdLength),
                QueryParameter.Integer("k", "How many titles.", 1, o.MaxK, 10)]);
        api.MapPost("/events", PostEvents).WithName("PostEvents").RequireRole(ApiRole.Write).DisableAntiforgery().WithEventsBody()
            .ProducesProblem(StatusCodes.Status408RequestTimeout).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        api.MapGet("/experiments/{id}/results", ExperimentResults).WithName("ExperimentResults").RequireRole(ApiRole.Admin)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Results<Ok<ReadyResponse>, ProblemHttpResult>> Ready(ModelHost host, SearchService search, ShutdownDrain drain)
    {
        if (drain.Draining)
            return TypedResults.Problem(statusCode: 503, title: "Not ready", detail: "Draining: the host is stopping (requests are still served until it stops listening).");
        var snapshot = host.Current;
        if (host.DataError is { } dataError)
            return TypedResults.Problem(statusCode: 503, title: "Not ready", detail: dataError);
        if (snapshot?.Champion is not { } champion)
            return TypedResults.Problem(statusCode: 503, title: "Not ready",
                detail: snapshot is null ? "Serving data is still loading."
                    : host.WarmingUp is { } warming ? $"Warming up {warming}: computing users' recommendations before it serves (at most ServingOptions:WarmUpBudget)."
                    : host.LastError ?? "No champion model is loaded yet (serving trending titles meanwhile). If none is promoted, "
                        + "run RetrainPipeline: `mlops pipeline run --wait`, or POST /api/orchestrations/RetrainPipeline.");
        await Task.CompletedTask.ConfigureAwait(false);
        return TypedResults.Ok(new ReadyResponse("ready", RecommendationService.Info(champion)!, snapshot.Data.Count, snapshot.Data.UserCount,
            search.SemanticConfigured ? search.SemanticReady ? "ready" : "building" : "off", host.LastError,
            host.StoreChecks.LastOkAgeSeconds, host.StoreChecks.Error));
    }

    public static async Task<Results<Ok<RecommendationsResponse>, ValidationProblem, ProblemHttpResult>> Recommendations(
        string id, HttpContext http, ModelHost host, IOptions<ServingOptions> options, ExposureLog exposures)
    {
        id = RouteId(id);
        var o = options.Value;
        var q = http.Request.Query;
        var errors = new Dictionary<string, string[]>();
        CheckId(errors, "id", id, o);
        var k = Int(errors, q, "k", 10, 1, o.MaxK);
        var diversity = Double(errors, q, "diversity", 0, 0, 1);
        var excludeSeen = Bool(errors, q, "excludeSeen", true);
        var genres = List(errors, q, "genres", 20);
        var exclude = List(errors, q, "exclude", 500);
        MisspeltParameters.Check(errors, q, "k", "genres", "exclude", "diversity", "excludeSeen");
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Invalid request");
        var snapshot = await Snapshot(host, http).ConfigureAwait(false);
        if (snapshot is null) return WarmingUp();
        if (UnknownGenre(snapshot.Data, genres) is { } unknownGenre) return unknownGenre;

        var start = Environment.TickCount64;
        ServingModel? model = null;
        ExperimentAssignment? assignment = null;
        if (o.RecommendationsExperiment is { } experimentId && o.Experiments.FirstOrDefault(x => x.Id == experimentId) is { Variants.Count: > 0 } experiment)
        {
            var variant = ExperimentService.Assign(experiment, id);
            // A variant whose model is not loaded (yet, or it failed): the user gets the champion outside the experiment,
            // so the variant's results never count the champion's lists.
            if (snapshot.ModelFor(variant.Model) is { } variantModel)
            {
                model = variantModel;
                assignment = new ExperimentAssignment(experiment.Id, variant.Name);
            }
        }
        var result = RecommendationService.Recommend(snapshot, new RecommendationRequest(id, k, genres, exclude, diversity, excludeSeen), model, assignment);
        if (assignment is not null || ExposureLog.Sampled(id, o.ExposureSampleRate))
            exposures.Log(assignment?.Id, assignment?.Variant, id, Served(result, genres.Count == 0 && diversity == 0 && excludeSeen), ModelName(result.Model));
        Record("recommendations", start, result.Items.Count);
        return TypedResults.Ok(result);
    }

    /// <summary>
    /// The served titles with the model's score for its own picks, only when the list was asked for as the offline evaluation
    /// ranks (no genre filter, no diversity, seen titles excluded): otherwise the scores are not comparable with the champion's
    /// evaluation and prediction drift would flag a client's choice of filters (docs/drift.md).
    /// </summary>
    internal static IEnumerable<ServedItem> Served(RecommendationsResponse result, bool asEvaluated) =>
        result.Items.Select((item, i) => new ServedItem(item.ContentId, asEvaluated && i < result.ModelChosen ? item.Score : null));

    private static string? ModelName(ModelInfo? model) => model is null ? null : $"{model.Name} v{model.Version}";

    public static async Task<Results<Ok<RowsResponse>, ValidationProblem, ProblemHttpResult>> Rows(string id, HttpContext http, ModelHost host, IOptions<ServingOptions> options)
    {
        id = RouteId(id);
        var o = options.Value;
        var errors = new Dictionary<string, string[]>();
        CheckId(errors, "id", id, o);
        var rows = Int(errors, http.Request.Query, "rows", 8, 1, o.MaxRows);
        var perRow = Int(errors, http.Request.Query, "perRow", 10, 1, o.MaxK);
        var genres = List(errors, http.Request.Query, "genres", 20);
        MisspeltParameters.Check(errors, http.Request.Query, "rows", "perRow", "genres");
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Invalid request");
        var snapshot = await Snapshot(host, http).ConfigureAwait(false);
        if (snapshot is null) return WarmingUp();
        if (UnknownGenre(snapshot.Data, genres) is { } unknownGenre) return unknownGenre;
        var start = Environment.TickCount64;
        var result = RecommendationService.Rows(snapshot, id, rows, perRow, genres);
        Record("rows", start, result.Rows.Sum(r => r.Items.Count));
        return TypedResults.Ok(result);
    }

    public static async Task<Results<Ok<SimilarResponse>, ValidationProblem, ProblemHttpResult>> Similar(string id, HttpContext http, ModelHost host, IOptions<ServingOptions> options)
    {
        id = RouteId(id);
        var o = options.Value;
        var errors = new Dictionary<string, string[]>();
        CheckId(errors, "id", id, o);
        var k = Int(errors, http.Request.Query, "k", 10, 1, o.MaxK);
        MisspeltParameters.Check(errors, http.Request.Query, "k");
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Invalid request");
        var snapshot = await Snapshot(host, http).ConfigureAwait(false);
        if (snapshot is null) return WarmingUp();
        if (!snapshot.Data.Items.TryGetIndex(id, out var item))
            return TypedResults.Problem(statusCode: 404, title: "Unknown item", detail: $"No title with id '{TextClip.Clip(id, 64)}' in the catalogue.", extensions: new Dictionary<string, object?> { ["field"] = "id" });
        var start = Environment.TickCount64;
        var result = RecommendationService.Similar(snapshot, item, k);
        Record("similar", start, result.Items.Count);
        return TypedResults.Ok(result);
    }

    public static async Task<Results<Ok<SearchResponse>, ValidationProblem, ProblemHttpResult>> Search(HttpContext http, ModelHost host, SearchService search, IOptions<ServingOptions> options)
    {
        var o = options.Value;
        var q = http.Request.Query;
        var errors = new Dictionary<string, string[]>();
        var text = q["q"].ToString();
        if (q["q"].Count > 1) errors["q"] = ["Give q once."];
        else if (string.IsNullOrWhiteSpace(text)) errors["q"] = ["Required: the text to search for."];
        else if (text.Length > o.MaxQueryLength) errors["q"] = [$"At most {o.MaxQueryLength} characters."];
        else if (TextNormalizer.Tokens(text, 1).Count == 0)
            errors["q"] = [text.Any(char.IsLetterOrDigit)
                ? $"Every word is longer than {TextNormalizer.MaxTokenLength} characters: no title or tag word is, so nothing can match."
                : "Holds no letters or digits to search for."];
        // An empty or blank user= is no user (as an empty genres= is no filter): a client's template with nobody signed in.
        // Ids are trimmed, so a blank one is an empty one; control characters are left for CheckId to name.
        var u = q["user"];
        var given = u.ToString();
        string? user = given.Any(char.IsControl) ? given : given.Trim() is { Length: > 0 } trimmed ? trimmed : null;
        if (u.Count > 1) errors["user"] = ["Give user once."];
        else if (user is not null) CheckId(errors, "user", user, o);
        var k = Int(errors, q, "k", 10, 1, o.MaxK);
        MisspeltParameters.Check(errors, q, "q", "user", "k");
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Invalid request");
        var snapshot = await Snapshot(host, http).ConfigureAwait(false);
        if (snapshot is null) return WarmingUp();
        var start = Environment.TickCount64;
        var result = await search.SearchAsync(snapshot, text, user, k, http.RequestAborted).ConfigureAwait(false);
        Record("search", start, result.Items.Count);
        return TypedResults.Ok(result);
    }

    public static async Task<Results<Accepted<EventsAccepted>, ValidationProblem, ProblemHttpResult>> PostEvents(HttpContext http, EventIngest ingest, ModelHost host, IOptions<ServingOptions> options)
    {
        var o = options.Value;
        var request = http.Request;
        // The JSON routes' rule (application/json or application/…+json, any parameters; not "text/x+json" nor
        // "application/jsonfoo"), except that a batch must declare its type: a request without one is refused too.
        if (string.IsNullOrEmpty(request.ContentType) || !JsonContentType.IsJson(request.ContentType))
            return TypedResults.Problem(statusCode: 415, title: "Unsupported media type", detail: "Send the events as application/json.", extensions: new Dictionary<string, object?> { ["field"] = "Content-Type" });
        if (request.ContentLength > o.MaxBodyBytes) return TooLarge(o);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = o.MaxBodyBytes;
        byte[] body;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, timeout.Token).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > o.MaxBodyBytes) return TooLarge(o);
                buffer.Write(chunk, 0, read);
            }
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge) { return TooLarge(o); }
        catch (BadHttpRequestException ex)
        {
            return TypedResults.Problem(statusCode: 400, title: "Unreadable body", detail: ex.Message, extensions: new Dictionary<string, object?> { ["field"] = "body" });
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            return TypedResults.Problem(statusCode: 408, title: "Request timeout", detail: "The body took longer than 30 s to arrive.", extensions: new Dictionary<string, object?> { ["field"] = "body" });
        }

        try
        {
            var (result, accepted) = await ingest.IngestAsync(body, o.MaxEventsPerBatch, timeout.Token, host.ExpectPosted).ConfigureAwait(false);
            host.Append(accepted, result.AlreadyImported ? null : result.Batch);
            return TypedResults.Accepted((string?)null, result);
        }
        catch (BatchRejectedException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [ex.Field] = [ex.Message] }, title: "Invalid event batch");
        }
    }

    public static async Task<Results<Ok<ExperimentResults>, ProblemHttpResult>> ExperimentResults(string id, HttpContext http, MLOps.Storage.IBlobStore store, IOptions<ServingOptions> options)
    {
        var experiment = options.Value.Experiments.FirstOrDefault(x => string.Equals(x.Id, id, StringComparison.Ordinal));
        if (experiment is null || experiment.Variants.Count == 0)
            return TypedResults.Problem(statusCode: 404, title: "Unknown experiment", detail: $"No experiment '{TextClip.Clip(id, 64)}' is configured.", extensions: new Dictionary<string, object?> { ["field"] = "id" });
        return TypedResults.Ok(await ExperimentService.ResultsAsync(store, experiment, http.RequestAborted).ConfigureAwait(false));
    }

    /// <summary>
    /// <c>LastCheckAgeSeconds</c>: since the last background check of the store that worked (polled every PollInterval);
    /// <c>StoreCheckError</c>: why the checks fail while they do. Neither turns /ready 503: the loaded model serves from memory.
    /// </summary>
    public sealed record ReadyResponse(string Status, ModelInfo Model, int Items, int Users, string Semantic, string? LastError,
        double LastCheckAgeSeconds, string? StoreCheckError);

    private static ProblemHttpResult TooLarge(ServingOptions o) =>
        TypedResults.Problem(statusCode: 413, title: "Body too large", detail: $"At most {o.MaxBodyBytes} bytes.", extensions: new Dictionary<string, object?> { ["field"] = "body" });

    private static ValidationProblem? UnknownGenre(ServingData data, IReadOnlyList<string> genres) =>
        genres.FirstOrDefault(g => !data.GenreIndex.ContainsKey(g)) is { } unknown
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["genres"] = [$"Unknown genre '{TextClip.Clip(unknown, 64)}'. Known: {string.Join(", ", data.Genres)}."] }, title: "Invalid request")
            : null;

    private static ProblemHttpResult WarmingUp() =>
        TypedResults.Problem(statusCode: 503, title: "Warming up", detail: "Serving data is still loading; retry shortly.");

    private static async ValueTask<ServingSnapshot?> Snapshot(ModelHost host, HttpContext http)
    {
        if (host.Current is { } current) return current;
        try { return await host.WaitForSnapshotAsync(http.RequestAborted).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException) { return null; }
    }

    private static void Record(string endpoint, long start, int items)
    {
        var tag = new KeyValuePair<string, object?>("endpoint", endpoint);
        MLOpsMetrics.RecommendationsServed.Add(items, tag);
        Latency.Record(Environment.TickCount64 - start, tag);
    }


    /// <summary>
    /// An id from the route as ingestion stores it: trimmed (the importers trim ids), and with "%2F" read as "/"
    /// (ASP.NET Core leaves an encoded slash encoded in route values, so "a/b", which events accept, was unreachable).
    /// The cost: an id that literally contains "%2F" cannot be addressed in a route (documented in serving.md).
    /// </summary>
    internal static string RouteId(string id)
    {
        id = id.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        // A blank id or one with control characters is left as sent, for CheckId to name what is wrong with it.
        return string.IsNullOrWhiteSpace(id) || id.Any(char.IsControl) ? id : id.Trim();
    }

    private static void CheckId(Dictionary<string, string[]> errors, string field, string id, ServingOptions o)
    {
        if (id.Length == 0) errors[field] = ["Must not be empty."];
        else if (id.Length > o.MaxIdLength) errors[field] = [$"At most {o.MaxIdLength} characters."];
        else if (id.Any(char.IsControl)) errors[field] = ["Contains control characters."];
        else if (string.IsNullOrWhiteSpace(id)) errors[field] = ["Must not be blank."];
    }

    private static int Int(Dictionary<string, string[]> errors, IQueryCollection q, string name, int fallback, int min, int max)
    {
        if (!q.TryGetValue(name, out var raw)) return fallback;
        if (raw.Count != 1 || !int.TryParse(raw.ToString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v))
            errors[name] = [$"Must be a whole number between {min} and {max}."];
        else if (v < min || v > max) errors[name] = [$"Must be between {min} and {max}; got {v}."];
        else return v;
        return fallback;
    }

    private static double Double(Dictionary<string, string[]> errors, IQueryCollection q, string name, double fallback, double min, double max)
    {
        if (!q.TryGetValue(name, out var raw)) return fallback;
        if (raw.Count != 1 || !double.TryParse(raw.ToString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            errors[name] = [$"Must be a number between {min} and {max}."];
        else if (v < min || v > max) errors[name] = [$"Must be between {min} and {max}."];
        else return v;
        return fallback;
    }

    private static bool Bool(Dictionary<string, string[]> errors, IQueryCollection q, string name, bool fallback)
    {
        if (!q.TryGetValue(name, out var raw)) return fallback;
        if (raw.Count == 1 && bool.TryParse(raw.ToString(), out var v)) return v;
        errors[name] = ["Must be true or false."];
        return fallback;
    }

    private static IReadOnlyList<string> List(Dictionary<string, string[]> errors, IQueryCollection q, string name, int max)
    {
        if (!q.TryGetValue(name, out var raw)) return [];
        var values = raw.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (values.Count > max) errors[name] = [$"At most {max} values."];
        else if (values.Any(v => v.Length > 128)) errors[name] = ["Each value at most 128 characters."];
        else return values;
        return [];
    }
}
