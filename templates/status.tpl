{{%AUTOESCAPE context="HTML"}}
<div class="page-head">
  <h1>Status</h1>
  {{#RESYNC}}{{#ADMIN}}
  <form method="post" action="/status/sync" class="inline">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" class="btn btn-primary" id="resync-all">Resync now</button>
  </form>
  {{/ADMIN}}{{/RESYNC}}
</div>

{{#NOT_CONNECTED}}
<div class="box box-warn">Both connections are needed before a sync can run. <a href="/setup">Connect ActiveCampaign and Salesforce on the setup page.</a></div>
{{/NOT_CONNECTED}}

{{#JOB}}
<section class="card job" id="job">
  <h2>{{KIND}} <span class="muted small">started by {{BY}}</span></h2>
  {{#RUNNING}}
  <p class="job-phase"><span class="spinner" aria-hidden="true"></span> {{PHASE}}: {{PEOPLE}} people read, {{APPLIED}} of {{TOTAL}} changes applied.</p>
  <progress max="100" value="{{PERCENT}}">{{PERCENT}}%</progress>
  {{/RUNNING}}
  {{#DONE_OK}}<p class="ok-text" id="job-done">Finished: {{LINE}} <a href="{{RUN_URL}}">Show run {{RUN}}</a></p>{{/DONE_OK}}
  {{#DONE_FAILED}}<p class="bad-text" id="job-done">Did not finish: {{ERROR}}</p><p class="muted small">{{LINE}} <a href="{{RUN_URL}}">Show run {{RUN}}</a></p>{{/DONE_FAILED}}
</section>
{{/JOB}}

{{#FIRST_SYNC}}
<section class="card highlight" id="first-sync">
  <h2>First sync</h2>
  <p>The first sync makes opt-outs sticky: anyone opted out on either side ends up opted out on both.
  Preview it first; nothing is written until you confirm.</p>
  {{#NOT_PREVIEWED}}
  {{#ADMIN}}
  <form method="post" action="/status/preview" class="inline">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" class="btn btn-primary" id="preview">Preview the first sync</button>
  </form>
  {{/ADMIN}}
  {{#VIEWER}}<p class="muted">An administrator has to preview and confirm it.</p>{{/VIEWER}}
  {{/NOT_PREVIEWED}}
  {{#PREVIEWED}}
  <h3 class="plan-title">If you confirm, this changes for people</h3>
  <ul class="plan" id="plan">
  {{#PLAN_KIND}}<li class="plan-kind" id="plan-{{ACTION}}">
    <div class="plan-head"><span class="plan-n">{{COUNT}}</span> <strong>{{LABEL}}</strong> <span class="muted small">{{DETAIL}}</span></div>
    <div class="plan-names">{{#NAME}}<span class="plan-name">{{NAME}}</span> {{/NAME}}{{#MORE}}<span class="muted plan-more">and {{N}} more</span>{{/MORE}}</div>
  </li>
  {{/PLAN_KIND}}
  </ul>
  {{#PLAN_NOTHING}}<p id="plan-nothing">Nothing changes for anyone: both sides already agree.</p>{{/PLAN_NOTHING}}
  {{#BOOKKEEPING}}<details class="plan-book" id="plan-bookkeeping"><summary>{{COUNT}} bookkeeping changes optsync keeps for itself</summary>
    <p class="small">{{TAGS}} tags in ActiveCampaign (created-from-salesforce-…, added-to-salesforce-…) and {{LINKS}} links between an ActiveCampaign contact and its Salesforce records{{#OTHER}}, {{N}} other{{/OTHER}}. Nobody receives or loses an email because of them. <a href="{{RUN_ALL_URL}}">List them in the log</a></p>
  </details>{{/BOOKKEEPING}}
  <div class="stats stats-small">
    <div class="stat"><span class="stat-n" id="planned">{{PLANNED}}</span><span class="stat-l">changes planned</span></div>
    <div class="stat"><span class="stat-n">{{PEOPLE}}</span><span class="stat-l">people read</span></div>
    <div class="stat"><span class="stat-n" id="plan-skipped">{{PLAN_SKIPPED}}</span><span class="stat-l">left as they are</span></div>
  </div>
  <p><a href="{{RUN_URL}}">See the planned changes for people in the log (run {{RUN}})</a></p>
  {{#ADMIN}}
  <form method="post" action="/status/confirm" class="inline">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" class="btn btn-primary" id="confirm" data-confirm="Apply the first sync to ActiveCampaign and Salesforce?">Confirm and apply</button>
  </form>
  <form method="post" action="/status/preview" class="inline">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" class="btn">Preview again</button>
  </form>
  {{/ADMIN}}
  {{/PREVIEWED}}
</section>
{{/FIRST_SYNC}}

<div class="stats">
  <div class="stat"><span class="stat-n" id="count-pending">{{PENDING}}</span><span class="stat-l">pending actions</span></div>
  <div class="stat"><span class="stat-n" id="count-retrying">{{RETRYING}}</span><span class="stat-l">retrying</span></div>
  <div class="stat stat-bad"><span class="stat-n" id="count-failed">{{FAILED}}</span><span class="stat-l">failed</span></div>
  <div class="stat"><span class="stat-n stat-time" id="last-success">{{LAST_SUCCESS}}</span><span class="stat-l">last successful sync</span></div>
</div>
{{#LAST_UNDONE}}<div class="box box-warn" id="last-run-undone"><p>The last run ({{STATUS}}, ended {{ENDED}}) left work undone: {{ERROR}}. It is not counted as a success; what it could not do stays queued for the next run.</p></div>{{/LAST_UNDONE}}

<div class="grid2 status-grid">
<section class="card">
  <h2>Changes per day <span class="muted small">last 30 days</span></h2>
  {{#CHART}}
  <svg class="chart" viewBox="0 0 770 200" role="img" aria-label="Changes per day by direction">
    <line x1="38" y1="170" x2="765" y2="170" class="axis"></line>
    <text x="34" y="16" class="tick" text-anchor="end">{{YMAX}}</text>
    <text x="34" y="170" class="tick" text-anchor="end">0</text>
    {{#BAR}}<rect x="{{X}}" y="{{Y}}" width="{{W}}" height="{{H}}" class="{{CLASS}}"><title>{{TIP}}</title></rect>{{/BAR}}
    {{#LABEL}}<text x="{{X}}" y="188" class="tick">{{TEXT}}</text>{{/LABEL}}
  </svg>
  <p class="legend"><span class="key key-acsf"></span> ActiveCampaign → Salesforce ({{TOTAL_AC_SF}})
  <span class="key key-sfac"></span> Salesforce → ActiveCampaign ({{TOTAL_SF_AC}})</p>
  {{/CHART}}
</section>

<section class="card">
  <h2>Recent runs</h2>
  <div class="table-wrap">
  <table class="table" id="runs">
    <thead><tr><th>Run</th><th>Trigger</th><th>Started</th><th>Status</th><th class="num">People</th><th class="num">→SF</th><th class="num">→AC</th><th class="num">Failed</th></tr></thead>
    <tbody>
    {{#RUN_ROW}}<tr><td><a href="{{URL}}">{{ID}}</a></td><td>{{TRIGGER}}</td><td title="ended {{ENDED}}">{{STARTED}}</td><td><span class="badge badge-{{STATUS_CLASS}}" title="{{ERROR}}">{{STATUS}}</span></td><td class="num">{{PEOPLE}}</td><td class="num">{{AC_SF}}</td><td class="num">{{SF_AC}}</td><td class="num">{{FAILED}}</td></tr>
    {{/RUN_ROW}}
    </tbody>
  </table>
  </div>
</section>
</div>

<section class="card" id="log">
  <h2>Sync log{{#F_RUN}} <span class="muted small">run {{RUN}}</span>{{/F_RUN}}</h2>
  <form method="get" action="/status" class="filters">
    <label>Email <input type="search" name="email" value="{{F_EMAIL}}" placeholder="person@example.com"></label>
    <label>Status <select name="status"><option value="">any</option>{{#F_STATUS_OPT}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{VALUE}}</option>{{/F_STATUS_OPT}}</select></label>
    <label>Direction <select name="direction"><option value="">any</option>{{#F_DIR_OPT}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/F_DIR_OPT}}</select></label>
    <label>Run <input type="number" name="run" min="0" value="{{F_RUN_VALUE}}" class="narrow"></label>
    <label>Show <select name="show" id="f-show"><option value=""{{#F_SHOW_PEOPLE}} selected{{/F_SHOW_PEOPLE}}>changes for people</option><option value="all"{{#F_SHOW_ALL}} selected{{/F_SHOW_ALL}}>everything</option></select></label>
    <button type="submit" class="btn">Filter</button>
    <a class="btn btn-ghost" href="/status">Clear</a>
  </form>
  <p class="muted small" id="log-shows">{{#F_SHOW_PEOPLE}}Showing what changed for people (opt-outs, opt-ins, unsubscribes, new contacts, skips) and anything that failed. <a href="{{SHOW_TOGGLE_URL}}" id="show-all">Show the bookkeeping too (tags, links)</a>{{/F_SHOW_PEOPLE}}{{#F_SHOW_ALL}}Showing every row, the bookkeeping (tags, links) included. <a href="{{SHOW_TOGGLE_URL}}" id="show-people">Show only what changed for people</a>{{/F_SHOW_ALL}}</p>
  <div class="log-wrap">
  <table class="table log" id="log-table">
    <colgroup><col class="c-time"><col class="c-run"><col class="c-dir"><col class="c-person"><col class="c-object"><col class="c-action"><col class="c-status"><col class="c-reason"></colgroup>
    <thead><tr><th>Time</th><th>Run</th><th>Direction</th><th>Person</th><th>Object</th><th>Action</th><th>Status</th><th>Reason</th></tr></thead>
    <tbody>
    {{#LOG_ROW}}<tr><td data-label="Time">{{AT}}</td><td data-label="Run"><a href="{{RUN_URL}}">{{RUN}}</a></td><td data-label="Direction">{{DIRECTION}}</td><td data-label="Person"><a href="{{EMAIL_URL}}">{{EMAIL}}</a></td><td data-label="Object">{{OBJECT}} <span class="muted small">{{RECORD}}</span></td><td data-label="Action">{{ACTION}}</td><td data-label="Status"><span class="badge badge-{{STATUS}}">{{STATUS}}</span></td><td data-label="Reason">{{REASON}}{{#ERROR}}{{/ERROR}} <span class="bad-text">{{ERROR}}</span></td></tr>
    {{/LOG_ROW}}
    </tbody>
  </table>
  </div>
  {{#LOG_EMPTY}}<p class="muted empty">No log rows match.</p>{{/LOG_EMPTY}}
  {{#PAGER}}<nav class="pager">{{#NEWEST}}<a class="btn" href="{{URL}}">← Newest</a>{{/NEWEST}} {{#OLDER}}<a class="btn" href="{{URL}}" id="older">Older →</a>{{/OLDER}}</nav>{{/PAGER}}
</section>
