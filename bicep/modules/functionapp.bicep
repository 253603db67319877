// Flex Consumption plan + the .NET 10 isolated function app (functions/MLOps.Functions). The app runs as the
// user-assigned identity: storage, Application Insights and Azure OpenAI are all reached with Entra ID tokens.

@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region (must offer Flex Consumption).')
param location string

@description('Tags applied to plan and app; the app also gets azd-service-name.')
param tags object

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity (AZURE_CLIENT_ID, AzureWebJobsStorage__clientId).')
param identityClientId string

@description('Name of the storage account (AzureWebJobsStorage, Durable task hub).')
param storageAccountName string

@description('Blob endpoint of the storage account.')
param blobEndpoint string

@description('Container holding the MLOps store.')
param dataContainerName string

@description('Container the deployment package is uploaded to.')
param deploymentContainerName string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Memory per instance in MB (Flex Consumption: 512, 2048 or 4096).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound on instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Instances kept warm for the HTTP trigger group (0 = scale to zero).')
@minValue(0)
@maxValue(20)
param alwaysReadyHttpInstances int

@description('Azure OpenAI endpoint for search embeddings; empty when Azure OpenAI is not deployed.')
param openAiEndpoint string

@description('Azure OpenAI embedding deployment name; empty when Azure OpenAI is not deployed.')
param openAiEmbeddingDeployment string

@description('Environment name (dev, test, prod), exposed to the app as MLOPS_ENVIRONMENT.')
param environmentName string

@description('Days a finished orchestration\'s history is kept (Workflows__RetentionDays).')
@minValue(0)
@maxValue(36500)
param orchestrationRetentionDays int

@description('Extra app settings merged over the defaults.')
param extraAppSettings object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

var baseSettings = {
  // Host storage (triggers, Durable task hub) by managed identity: no connection string with a key.
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // DefaultAzureCredential in the app (blob store, Azure OpenAI) picks the user-assigned identity.
  AZURE_CLIENT_ID: identityClientId
  // The MLOps blob store (BlobStoreFactory): account URL => DefaultAzureCredential.
  MLOPS_STORE: '${blobEndpoint};Container=${dataContainerName}'
  MLOPS_ENVIRONMENT: environmentName
  // The daily PurgeSchedule's retention. Set here, not by hand: this resource replaces every app setting on each deploy.
  Workflows__RetentionDays: string(orchestrationRetentionDays)
  // OpenTelemetry -> Azure Monitor (MLOps.Observability) and the Functions host; Entra-only ingestion.
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// Search embeddings: MLOps.Serving binds ServingOptions:OpenAI (Endpoint, Deployment; Key left empty), so its
// AzureOpenAIEmbeddingClient signs in with DefaultAzureCredential = this managed identity (AZURE_CLIENT_ID).
var openAiSettings = empty(openAiEndpoint)
  ? {}
  : {
      ServingOptions__OpenAI__Endpoint: openAiEndpoint
      ServingOptions__OpenAI__Deployment: openAiEmbeddingDeployment
    }

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: alwaysReadyHttpInstances > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyHttpInstances
              }
            ]
          : []
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// No password-based publishing: the zip is deployed with an Entra token (az functionapp deployment source config-zip as
// the deploy identity), so the FTP and SCM (Kudu) basic-auth credentials, which anyone able to read the publish profile
// could use from anywhere, are switched off.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: union(baseSettings, openAiSettings, extraAppSettings)
}

@description('Name of the function app.')
output name string = app.name

@description('HTTPS base URL of the function app.')
output url string = 'https://${app.properties.defaultHostName}'

@description('Resource id of the function app.')
output id string = app.id
