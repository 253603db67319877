// On-call alerting: one action group and the alert rules docs/runbook.md explains one by one.
// Log alerts query the OpenTelemetry metrics the app exports (names from functions/MLOps.Core/MLOpsMetrics.cs,
// stored in Application Insights' customMetrics table); the error rule is a platform metric alert.

@description('Prefix of every rule name (e.g. alert-<token>).')
param namePrefix string

@description('Name of the action group.')
param actionGroupName string

@description('Azure region of the log alert rules.')
param location string

@description('Tags applied to every rule.')
param tags object

@description('Resource id of the Application Insights component the rules watch.')
param appInsightsId string

@description('E-mail addresses paged by the action group (may be empty).')
param alertEmails string[]

@description('Per-feature PSI at or above which the drift rule fires (0.25 = alert, as in the drift checker).')
param driftScoreThreshold string

@description('Failed HTTP requests in 5 minutes above which the error rule fires.')
@minValue(0)
param failedRequestThreshold int

@description('p95 request duration in milliseconds above which the latency rule fires.')
@minValue(1)
param latencyP95ThresholdMs int

@description('Turn every rule on (true) or create them disabled (false).')
param enabled bool

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: take('mlops-oncall', 12)
    enabled: true
    emailReceivers: [
      for (email, i) in alertEmails: {
        name: 'oncall-${i}'
        emailAddress: email
        useCommonAlertSchema: true
      }
    ]
  }
}

// Each log rule: a KQL query returning the points to judge, the measure column, optional split dimension.
// The drift gauges are recorded once per drift check, which runs hourly (DriftMonitorSchedule), and the exporter sends
// a gauge only in an interval it was recorded in: those rules look back 2 hours (one check plus ingestion delay) and
// judge the latest point per series, so they neither resolve between checks nor fire on for 2 hours after one.
var logRules = [
  {
    key: 'drift-score'
    displayName: 'MLOps: feature drift score above threshold'
    description: 'mlops.drift.score{method=psi} of a feature reached the alert threshold (PSI 0.25). Runbook: "Drift score alert".'
    severity: 2
    query: 'customMetrics | where name == "mlops.drift.score" and tostring(customDimensions["method"]) == "psi" | extend feature = tostring(customDimensions["feature"]), score = valueMax | summarize arg_max(timestamp, score) by feature | project timestamp, feature, score'
    measure: 'score'
    aggregation: 'Maximum'
    dimension: 'feature'
    operator: 'GreaterThanOrEqual'
    threshold: json(driftScoreThreshold)
    frequency: 'PT15M'
    window: 'PT2H'
  }
  {
    key: 'open-critical'
    displayName: 'MLOps: open critical drift alerts'
    description: 'mlops.drift.alerts.open{severity=critical} > 0: a critical drift alert is open or acknowledged (not yet resolved). Runbook: "Open critical alert".'
    severity: 1
    query: 'customMetrics | where name == "mlops.drift.alerts.open" and tostring(customDimensions["severity"]) == "critical" | extend open = valueMax | summarize arg_max(timestamp, open) | project timestamp, open'
    measure: 'open'
    aggregation: 'Maximum'
    dimension: ''
    operator: 'GreaterThan'
    threshold: 0
    frequency: 'PT15M'
    window: 'PT2H'
  }
  {
    key: 'orchestration-failed'
    displayName: 'MLOps: orchestration failed'
    description: 'mlops.orchestrations.completed{status=failed} increased: a pipeline instance ended in failure. Runbook: "Failed orchestration".'
    severity: 1
    query: 'customMetrics | where name == "mlops.orchestrations.completed" and tostring(customDimensions["status"]) == "failed" | extend pipeline = tostring(customDimensions["name"]), failed = valueSum | project timestamp, pipeline, failed'
    measure: 'failed'
    aggregation: 'Total'
    dimension: 'pipeline'
    operator: 'GreaterThan'
    threshold: 0
    frequency: 'PT5M'
    window: 'PT15M'
  }
  {
    key: 'model-load-failed'
    displayName: 'MLOps: serving could not load a model version'
    description: 'mlops.serving.model.load_failures increased: a promoted version failed to load and the server kept serving the previous one. Runbook: "Model load failed".'
    severity: 2
    query: 'customMetrics | where name == "mlops.serving.model.load_failures" | extend failures = valueSum | project timestamp, failures'
    measure: 'failures'
    aggregation: 'Total'
    dimension: ''
    operator: 'GreaterThan'
    threshold: 0
    frequency: 'PT5M'
    window: 'PT15M'
  }
  {
    key: 'latency-p95'
    displayName: 'MLOps: request latency p95 high'
    description: 'p95 duration of HTTP API requests (health checks excluded, at least 20 requests) above the threshold. Runbook: "Latency".'
    severity: 2
    // The Functions host writes a requests row for every invocation: orchestrators, timers and minutes-long training
    // activities have no URL, and counted as requests they would page during every pipeline run.
    query: 'requests | where isnotempty(url) and name !has "health" | summarize p95 = percentile(duration, 95), n = count() by bin(timestamp, 5m) | where n >= 20 | project timestamp, p95'
    measure: 'p95'
    aggregation: 'Maximum'
    dimension: ''
    operator: 'GreaterThan'
    threshold: latencyP95ThresholdMs
    frequency: 'PT5M'
    window: 'PT15M'
  }
]

resource logAlerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in logRules: {
    name: '${namePrefix}-${rule.key}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: enabled
      scopes: [
        appInsightsId
      ]
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: rule.aggregation
            metricMeasureColumn: rule.measure
            dimensions: empty(rule.dimension)
              ? []
              : [
                  {
                    name: rule.dimension
                    operator: 'Include'
                    values: [
                      '*'
                    ]
                  }
                ]
            operator: rule.operator
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

resource failedRequests 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}-failed-requests'
  location: 'global'
  tags: tags
  properties: {
    description: 'Failed requests (5xx, exceptions) above the threshold in 5 minutes. Runbook: "Errors".'
    severity: 1
    enabled: enabled
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'failed'
          metricNamespace: 'microsoft.insights/components'
          metricName: 'requests/failed'
          operator: 'GreaterThan'
          threshold: failedRequestThreshold
          timeAggregation: 'Count'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

@description('Names of every alert rule.')
output ruleNames array = concat(map(logRules, rule => '${namePrefix}-${rule.key}'), [failedRequests.name])
