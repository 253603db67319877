// Production: zone-redundant storage, one warm HTTP instance, longer retention, Azure OpenAI search on.
using '../main.bicep'

param environmentName = 'prod'
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param principalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'ServicePrincipal')
param storageSku = 'Standard_ZRS'
param blobSoftDeleteDays = 30
param instanceMemoryMB = 2048
param maximumInstanceCount = 100
param alwaysReadyHttpInstances = 1
param logRetentionDays = 90
param logDailyQuotaGb = -1
param enableOpenAi = bool(readEnvironmentVariable('MLOPS_ENABLE_OPENAI', 'true'))
param alertEmails = empty(readEnvironmentVariable('MLOPS_ALERT_EMAIL', '')) ? [] : [readEnvironmentVariable('MLOPS_ALERT_EMAIL', '')]
param alertsEnabled = true
param driftScoreThreshold = '0.25'
param failedRequestThreshold = 5
param latencyP95ThresholdMs = 1000
