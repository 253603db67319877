using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using MLOps.Durable;
using MLOps.Functions.Http;
using MLOps.Observability;

// The Azure host: the same services as the local host, run by Durable Functions. Each function is a thin trigger.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.AddMLOpsTelemetry("mlops-functions");
builder.AddDurableWorkflows();
builder.AddHttpApi();
builder.Build().Run();
