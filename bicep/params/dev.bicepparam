// Development: scale to zero, small log cap, alerts created but only e-mailing whoever is in MLOPS_ALERT_EMAIL.
using '../main.bicep'

param environmentName = 'dev'
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param principalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')
param storageSku = 'Standard_LRS'
param blobSoftDeleteDays = 7
param maximumInstanceCount = 10
param alwaysReadyHttpInstances = 0
param logRetentionDays = 30
param logDailyQuotaGb = 1
param enableOpenAi = bool(readEnvironmentVariable('MLOPS_ENABLE_OPENAI', 'false'))
param alertEmails = empty(readEnvironmentVariable('MLOPS_ALERT_EMAIL', '')) ? [] : [readEnvironmentVariable('MLOPS_ALERT_EMAIL', '')]
param alertsEnabled = true
param driftScoreThreshold = '0.25'
param failedRequestThreshold = 10
param latencyP95ThresholdMs = 2000
