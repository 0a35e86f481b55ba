/*
 * One source per vendor, with the mappings docs/webhooks.md shows, and payloads shaped like what
 * each vendor sends. Kept in one place so the tests and the docs example stay in step.
 */

export const VENDOR_SECRETS = {
  workday: 'workday-secret-0123456789',
  bamboohr: 'bamboohr-secret-012345678',
  servicenow: 'servicenow-secret-0123456',
  jira: 'jira-secret-0123456789abc',
  splunk: 'splunk-secret-0123456789a',
  datadog: 'datadog-secret-012345678a',
  crowdstrike: 'crowdstrike-secret-012345',
} as const;

export const VENDOR_SOURCES: Record<keyof typeof VENDOR_SECRETS, unknown> = {
  workday: {
    secret: VENDOR_SECRETS.workday,
    eventId: { path: 'eventId' },
    events: [
      {
        name: 'worker-terminated',
        when: [
          { path: 'businessProcess.type', equals: 'Termination' },
          { path: 'businessProcess.status', equals: 'Successfully Completed' },
        ],
        action: 'revoke_user',
        user: { path: 'worker.employeeId', by: 'external_id' },
        reason: 'offboarding',
        deactivate: true,
      },
    ],
  },
  bamboohr: {
    secret: VENDOR_SECRETS.bamboohr,
    events: [
      {
        name: 'status-terminated',
        when: { path: 'employees.0.fields.employmentHistoryStatus', equals: 'Terminated' },
        action: 'revoke_user',
        user: { path: 'employees.0.fields.workEmail', by: 'email' },
        deactivate: true,
      },
    ],
  },
  servicenow: {
    secret: VENDOR_SECRETS.servicenow,
    eventId: { path: 'sys_id' },
    events: [
      {
        name: 'offboarding-closed',
        when: [
          { path: 'cat_item', equals: 'Employee Offboarding' },
          { path: 'state', in: ['Closed Complete', '3'] },
        ],
        action: 'revoke_user',
        user: { path: 'variables.employee_user_name', by: 'username' },
        note: 'ServiceNow offboarding request closed',
      },
    ],
  },
  jira: {
    secret: VENDOR_SECRETS.jira,
    eventId: { path: 'changelog.id' },
    events: [
      {
        name: 'offboarding-done',
        when: [
          { path: 'webhookEvent', equals: 'jira:issue_updated' },
          { path: 'issue.fields.issuetype.name', equals: 'Offboarding' },
          { path: 'changelog.items.0.field', equals: 'status' },
          { path: 'changelog.items.0.toString', in: ['Done', 'Resolved'] },
        ],
        action: 'revoke_user',
        user: { path: 'issue.fields.customfield_10050', by: 'email' },
        reason: 'offboarding',
      },
      {
        name: 'contract-ended',
        when: [
          { path: 'webhookEvent', equals: 'jira:issue_updated' },
          { path: 'issue.fields.issuetype.name', equals: 'Contract End' },
          { path: 'changelog.items.0.toString', equals: 'Done' },
        ],
        action: 'revoke_user',
        user: { path: 'issue.fields.customfield_10050', by: 'email' },
        reason: 'contractor_end',
      },
    ],
  },
  splunk: {
    secret: VENDOR_SECRETS.splunk,
    eventId: { path: 'sid' },
    events: [
      {
        name: 'account-takeover',
        when: { path: 'search_name', in: ['Impossible travel', 'Credential stuffing success'] },
        action: 'security_incident',
        severity: { path: 'result.severity', min: 3 },
        user: { path: 'result.user', by: 'username' },
      },
    ],
  },
  datadog: {
    secret: VENDOR_SECRETS.datadog,
    eventId: { path: 'id' },
    events: [
      {
        name: 'security-signal',
        when: [
          { path: 'event_type', equals: 'security_signal' },
          { path: 'status', equals: 'open' },
        ],
        action: 'security_incident',
        severity: {
          path: 'severity',
          min: 3,
          scale: { info: 0, low: 1, medium: 2, high: 3, critical: 4 },
        },
        user: { path: 'attributes.usr.email', by: 'email' },
      },
    ],
  },
  crowdstrike: {
    secret: VENDOR_SECRETS.crowdstrike,
    eventId: { path: 'event.DetectId' },
    events: [
      {
        name: 'detection',
        when: { path: 'metadata.eventType', equals: 'DetectionSummaryEvent' },
        action: 'security_incident',
        severity: { path: 'event.Severity', min: 4 },
        user: { path: 'event.UserName', by: 'username' },
      },
    ],
  },
};

export const workdayTermination = (eventId: string, employeeId: string) => ({
  eventId,
  eventType: 'BUSINESS_PROCESS_COMPLETED',
  businessProcess: {
    type: 'Termination',
    status: 'Successfully Completed',
    reason: 'Terminate Employee > Voluntary > Resignation',
    effectiveDate: '2026-11-22',
  },
  worker: { employeeId, workerType: 'Employee', primaryWorkEmail: 'ignored@example.com' },
  tenant: 'acme_prod',
});

export const bambooStatusChange = (email: string, status: string) => ({
  employees: [
    {
      id: '4301',
      timestamp: new Date().toISOString(),
      action: 'Updated',
      changedFields: ['employmentHistoryStatus', 'status'],
      fields: { employmentHistoryStatus: status, status: 'Inactive', workEmail: email, firstName: 'Bea' },
    },
  ],
});

export const serviceNowRequest = (sysId: string, username: string, state: string) => ({
  sys_id: sysId,
  number: 'RITM0010234',
  table: 'sc_req_item',
  cat_item: 'Employee Offboarding',
  state,
  opened_by: 'hr.partner',
  variables: { employee_user_name: username, last_working_day: '2026-11-21' },
  sys_updated_on: '2026-11-22 09:14:03',
});

export const jiraTransition = (changelogId: string, email: string, issueType: string, to: string) => ({
  timestamp: Date.now(),
  webhookEvent: 'jira:issue_updated',
  issue_event_type_name: 'issue_generic',
  user: { accountId: '5b10a2844c20165700ede21g', displayName: 'HR Ops' },
  issue: {
    id: '10042',
    key: 'HR-42',
    fields: {
      issuetype: { name: issueType },
      status: { name: to },
      summary: 'Offboard employee',
      customfield_10050: email,
    },
  },
  changelog: { id: changelogId, items: [{ field: 'status', fromString: 'In Progress', toString: to }] },
});

export const splunkAlert = (sid: string, user: string, severity: string) => ({
  sid,
  search_name: 'Impossible travel',
  app: 'search',
  owner: 'admin',
  results_link: `https://splunk.example.com/app/search/@go?sid=${sid}`,
  result: { user, src_ip: '203.0.113.9', severity, count: '2' },
});

export const datadogSignal = (id: string, email: string, severity: string, status = 'open') => ({
  id,
  event_type: 'security_signal',
  title: 'Credential stuffing attack on user followed by successful login',
  severity,
  status,
  date: Date.now(),
  attributes: { usr: { email }, network: { client: { ip: '198.51.100.23' } } },
  link: `https://app.datadoghq.com/security?event=${id}`,
});

export const crowdstrikeDetection = (detectId: string, user: string, severity: number) => ({
  metadata: {
    customerIDString: 'c0ffee',
    offset: 81432,
    eventType: 'DetectionSummaryEvent',
    eventCreationTime: Date.now(),
    version: '1.0',
  },
  event: {
    DetectId: detectId,
    ComputerName: 'LAPTOP-7QX',
    UserName: user,
    Severity: severity,
    SeverityName: severity >= 4 ? 'High' : 'Low',
    Tactic: 'Credential Access',
    Technique: 'OS Credential Dumping',
    FalconHostLink: 'https://falcon.crowdstrike.com/activity/detections/detail/abc',
  },
});
