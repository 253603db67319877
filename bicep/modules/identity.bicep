// The user-assigned managed identity the function app runs as. Every data-plane permission it has is
// granted in rbac.bicep; no keys or connection strings with secrets exist anywhere.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity.')
output id string = identity.id

@description('Client id (AZURE_CLIENT_ID for DefaultAzureCredential).')
output clientId string = identity.properties.clientId

@description('Principal (object) id used in role assignments.')
output principalId string = identity.properties.principalId

@description('Name of the identity.')
output name string = identity.name
