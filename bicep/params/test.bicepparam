// Test / staging: same shape as prod at lower scale; the deploy workflow's smoke test runs here first.
using '../main.bicep'

param environmentName = 'test'
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param principalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'ServicePrincipal')
param storageSku = 'Standard_ZRS'
param blobSoftDeleteDays = 14
param maximumInstanceCount = 20
param alwaysReadyHttpInstances = 0
param logRetentionDays = 30
param logDailyQuotaGb = 2
param enableOpenAi = bool(readEnvironmentVariable('MLOPS_ENABLE_OPENAI', 'true'))
param alertEmails = empty(readEnvironmentVariable('MLOPS_ALERT_EMAIL', '')) ? [] : [readEnvironmentVariable('MLOPS_ALERT_EMAIL', '')]
param alertsEnabled = true
param driftScoreThreshold = '0.25'
param failedRequestThreshold = 5
param latencyP95ThresholdMs = 1500
