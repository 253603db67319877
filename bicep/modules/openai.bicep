// Optional Azure OpenAI account with one embedding deployment, used by personalized search. Key
// authentication is off: the app calls it with its managed identity (Cognitive Services OpenAI User).

@description('Name of the Azure OpenAI account (also its custom subdomain).')
param name string

@description('Azure region offering the embedding model.')
param location string

@description('Tags applied to the account.')
param tags object

@description('Deployment name the app calls (AZURE_OPENAI_EMBEDDING_DEPLOYMENT).')
param embeddingDeploymentName string

@description('Embedding model name.')
param embeddingModelName string

@description('Embedding model version.')
param embeddingModelVersion string

@description('Capacity of the deployment in thousands of tokens per minute.')
@minValue(1)
param embeddingCapacity int

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource embedding 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: account
  name: embeddingDeploymentName
  sku: {
    name: 'Standard'
    capacity: embeddingCapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: embeddingModelName
      version: embeddingModelVersion
    }
  }
}

@description('Name of the account.')
output name string = account.name

@description('Endpoint (AZURE_OPENAI_ENDPOINT).')
output endpoint string = account.properties.endpoint

@description('Embedding deployment name (AZURE_OPENAI_EMBEDDING_DEPLOYMENT).')
output embeddingDeployment string = embedding.name
