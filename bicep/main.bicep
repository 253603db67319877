// MLOps on Azure: one resource group per environment holding the Flex Consumption function app, its storage,
// monitoring, managed identity + role assignments, optional Azure OpenAI, and the on-call alert rules.
// Deploy: infra/deploy.sh <env> (az CLI) or `azd up` (azure.yaml). docs/deploy.md explains every resource.
targetScope = 'subscription'

@description('Environment name (dev, test, prod, or an azd environment); part of every resource name.')
@minLength(1)
@maxLength(24)
param environmentName string

@description('Azure region for every resource (must offer Flex Consumption).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group name; empty = rg-mlops-<environmentName>.')
param resourceGroupName string = ''

@description('Principal id of an operator (you, or the deploy pipeline) given read/write on the MLOps store; empty for none.')
param principalId string = ''

@description('Principal type of principalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Storage redundancy.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
])
param storageSku string = 'Standard_LRS'

@description('Days deleted blobs and containers (models, features, audit) stay restorable.')
@minValue(1)
@maxValue(365)
param blobSoftDeleteDays int = 7

@description('Memory per function instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Maximum function instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Always-ready instances for HTTP functions (0 = scale to zero; prod keeps one warm).')
@minValue(0)
@maxValue(20)
param alwaysReadyHttpInstances int = 0

@description('Log Analytics retention in days.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Log Analytics daily ingestion cap in GB (-1 = none).')
param logDailyQuotaGb int = 1

@description('Deploy an Azure OpenAI account with an embedding deployment for search.')
param enableOpenAi bool = false

@description('Region for Azure OpenAI (model availability differs by region); empty = location.')
param openAiLocation string = ''

@description('Embedding model deployed when enableOpenAi is true.')
param openAiEmbeddingModel string = 'text-embedding-3-small'

@description('Version of the embedding model.')
param openAiEmbeddingModelVersion string = '1'

@description('Embedding deployment capacity (thousands of tokens per minute).')
@minValue(1)
param openAiEmbeddingCapacity int = 30

@description('E-mail addresses the alert action group notifies.')
param alertEmails string[] = []

@description('Create the alert rules enabled.')
param alertsEnabled bool = true

@description('Drift score (PSI) per feature at which the drift alert fires, as a decimal string.')
param driftScoreThreshold string = '0.25'

@description('Failed requests in 5 minutes above which the error alert fires.')
@minValue(0)
param failedRequestThreshold int = 5

@description('p95 request latency (ms) above which the latency alert fires.')
@minValue(1)
param latencyP95ThresholdMs int = 1500

@description('Days a finished orchestration\'s history is kept (Workflows__RetentionDays, read by the daily PurgeSchedule).')
@minValue(0)
@maxValue(36500)
param orchestrationRetentionDays int = 30

@description('Extra app settings for the function app (merged last). Settings set outside Bicep are removed by the next deploy.')
param extraAppSettings object = {}

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'mlops'
}
var functionAppName = '${abbrs.functionApp}mlops-${resourceToken}'
var dataContainerName = 'mlops'
var deploymentContainerName = 'app-package-${take(resourceToken, 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-mlops-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentity}mlops-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageAccount}${resourceToken}'
    location: location
    tags: tags
    dataContainerName: dataContainerName
    deploymentContainerName: deploymentContainerName
    skuName: storageSku
    blobSoftDeleteDays: blobSoftDeleteDays
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.logAnalytics}mlops-${resourceToken}'
    appInsightsName: '${abbrs.appInsights}mlops-${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logRetentionDays
    dailyQuotaGb: logDailyQuotaGb
  }
}

module openAi 'modules/openai.bicep' = if (enableOpenAi) {
  name: 'openai'
  scope: rg
  params: {
    name: '${abbrs.openAi}mlops-${resourceToken}'
    location: empty(openAiLocation) ? location : openAiLocation
    tags: tags
    embeddingDeploymentName: 'embeddings'
    embeddingModelName: openAiEmbeddingModel
    embeddingModelVersion: openAiEmbeddingModelVersion
    embeddingCapacity: openAiEmbeddingCapacity
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    openAiName: enableOpenAi ? openAi!.outputs.name : ''
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: principalId
    operatorPrincipalType: principalType
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.appServicePlan}mlops-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    dataContainerName: storage.outputs.dataContainerName
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    openAiEndpoint: enableOpenAi ? openAi!.outputs.endpoint : ''
    openAiEmbeddingDeployment: enableOpenAi ? openAi!.outputs.embeddingDeployment : ''
    environmentName: environmentName
    orchestrationRetentionDays: orchestrationRetentionDays
    extraAppSettings: extraAppSettings
  }
  // The app must not start before its identity can read its deployment package and host storage.
  dependsOn: [
    rbac
  ]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    namePrefix: '${abbrs.alertRule}mlops-${resourceToken}'
    actionGroupName: '${abbrs.actionGroup}mlops-${resourceToken}'
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.appInsightsId
    alertEmails: alertEmails
    driftScoreThreshold: driftScoreThreshold
    failedRequestThreshold: failedRequestThreshold
    latencyP95ThresholdMs: latencyP95ThresholdMs
    enabled: alertsEnabled
  }
}

@description('Region of the deployment.')
output AZURE_LOCATION string = location

@description('Tenant the resources live in.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Resource group holding every resource.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Function app name (publish target).')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Function app base URL (smoke test: GET <url>/health).')
output SERVICE_API_URI string = functionApp.outputs.url

@description('Storage account holding the MLOps store.')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('The MLOPS_STORE value for the CLI (signs in with your Entra identity).')
output MLOPS_STORE string = '${storage.outputs.blobEndpoint};Container=${storage.outputs.dataContainerName}'

@description('Client id of the app identity.')
output AZURE_CLIENT_ID string = identity.outputs.clientId

@description('Application Insights connection string (Entra-only ingestion).')
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.appInsightsConnectionString

@description('Azure OpenAI endpoint, empty when not deployed.')
output AZURE_OPENAI_ENDPOINT string = enableOpenAi ? openAi!.outputs.endpoint : ''

@description('Alert rules created.')
output ALERT_RULES array = alerts.outputs.ruleNames
