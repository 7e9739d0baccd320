{{%AUTOESCAPE context="HTML"}}
<div class="page-head">
  <h1>Contacts</h1>
  <form method="get" action="/contacts" class="search">
    <input type="search" name="email" value="{{EMAIL}}" placeholder="person@example.com" aria-label="Email address" required>
    <button type="submit" class="btn">Look up</button>
  </form>
</div>
{{#NO_EMAIL}}
<div class="card empty"><p>Type an email address to see that person on both sides, their history, and why their Email Opt Out is what it is.</p></div>
{{/NO_EMAIL}}
{{#PERSON}}
<section class="card person" id="person">
  <div class="person-head">
    <h2>{{EMAIL}}</h2>
    {{#ADMIN}}
    <form method="post" action="/contacts/resync" class="inline">
      <input type="hidden" name="csrf" value="{{CSRF}}">
      <input type="hidden" name="email" value="{{EMAIL}}">
      <button type="submit" class="btn btn-primary" id="resync-one">Resync this contact</button>
    </form>
    {{/ADMIN}}
  </div>
  {{#UNKNOWN}}<div class="box box-warn">optsync has not seen this address on either side yet. A resync reads both sides for it now.</div>{{/UNKNOWN}}
  <p class="why" id="why"><strong>{{STATE_SENTENCE}}</strong> {{WHY_SENTENCE}}</p>
  {{#DIFFERENT}}<p class="box box-warn">The two sides differ. After a box is unchecked in Salesforce this is on purpose (only the person can re-subscribe in ActiveCampaign); otherwise the next sync or a resync settles it.</p>{{/DIFFERENT}}
  {{#LINK}}<p class="muted small">Linked to ActiveCampaign contact {{AC_ID}}. Last rule applied: {{RULE}}.</p>{{/LINK}}
  {{#FAILED}}<div class="box box-error" id="person-failed"><p>This person could not be decided (since {{SINCE}}): {{REASON}}</p><p class="small">Everyone else is synced meanwhile. Fix what the reason names at the source, then resync this contact.</p></div>{{/FAILED}}
</section>

<div class="grid2">
<section class="card">
  <h2>ActiveCampaign</h2>
  {{#AC_NONE}}<p class="muted">No ActiveCampaign contact with this address has been read.</p>{{/AC_NONE}}
  {{#AC}}
  <dl class="facts">
    <dt>Contact</dt><dd>{{ID}}</dd>
    <dt>Last change</dt><dd>{{UDATE}}</dd>
    <dt>Hard bounce</dt><dd>{{#BOUNCED}}<span class="badge badge-bad">bounced</span>{{/BOUNCED}}{{#NOT_BOUNCED}}no{{/NOT_BOUNCED}}</dd>
  </dl>
  <h3>Lists</h3>
  <ul class="plain" id="ac-lists">{{#LIST}}<li>List {{ID}}: <span class="badge badge-{{CLASS}}">{{STATUS}}</span></li>{{/LIST}}</ul>
  {{#NO_LISTS}}<p class="muted">On no list.</p>{{/NO_LISTS}}
  <h3>Tags</h3>
  <p>{{#TAG}}<span class="badge badge-muted">{{NAME}}</span> {{/TAG}}</p>
  {{/AC}}
</section>
<section class="card">
  <h2>Salesforce</h2>
  {{#SF_NONE}}<p class="muted">No Salesforce Contact or Lead with this address has been read.</p>{{/SF_NONE}}
  <ul class="plain" id="sf-records">
  {{#SF}}<li><strong>{{OBJECT}}</strong> {{ID}}: Email Opt Out <span class="badge badge-{{CLASS}}">{{OPTED_OUT}}</span>
    {{#CONVERTED}}<span class="badge badge-muted">converted to {{TO}}</span>{{/CONVERTED}}
    {{#LINKED}}<span class="badge badge-muted">linked</span>{{/LINKED}}
    <span class="muted small">modified {{MODSTAMP}}</span></li>
  {{/SF}}
  </ul>
</section>
</div>

<section class="card">
  <h2>History</h2>
  {{#HISTORY_EMPTY}}<p class="muted">No change has been logged for this person.</p>{{/HISTORY_EMPTY}}
  <div class="table-wrap">
  <table class="table" id="history">
    <thead><tr><th>Time</th><th>Run</th><th>Direction</th><th>Object</th><th>Action</th><th>Status</th><th>Reason</th></tr></thead>
    <tbody>
    {{#HISTORY_ROW}}<tr><td class="nowrap">{{AT}}</td><td><a href="{{RUN_URL}}">{{RUN}}</a></td><td class="nowrap">{{DIRECTION}}</td><td>{{OBJECT}} <span class="muted small">{{RECORD}}</span></td><td>{{ACTION}}</td><td><span class="badge badge-{{STATUS}}">{{STATUS}}</span></td><td>{{REASON}} <span class="bad-text">{{ERROR}}</span></td></tr>
    {{/HISTORY_ROW}}
    </tbody>
  </table>
  </div>
</section>
{{/PERSON}}
