{{%AUTOESCAPE context="HTML"}}
<div class="page-head">
  <h1>Audit</h1>
  <a class="btn" href="/audit.csv" id="audit-csv">Export CSV</a>
</div>
{{#AUDIT}}
<section class="card">
  <p class="muted">From what optsync saw last. {{COUNT}} people disagree, {{ACCEPTED_COUNT}} of them on purpose: a box unchecked in Salesforce is left alone in ActiveCampaign, where only the person can re-subscribe.</p>
  {{#NONE}}<p class="empty ok-text" id="audit-none">Both sides agree for every linked person.</p>{{/NONE}}
  <div class="table-wrap">
  <table class="table" id="audit">
    <thead><tr><th>Person</th><th>ActiveCampaign</th><th>Salesforce</th><th>Why</th><th></th></tr></thead>
    <tbody>
    {{#ROW}}<tr><td><a href="{{URL}}">{{EMAIL}}</a></td><td>{{AC}}</td><td>{{SF}}</td><td>{{WHY}}</td>
      <td class="nowrap">{{#FIXABLE}}{{#ADMIN}}<form method="post" action="/audit/fix" class="inline"><input type="hidden" name="csrf" value="{{CSRF}}"><input type="hidden" name="email" value="{{EMAIL}}"><button type="submit" class="btn btn-small">Fix</button></form>{{/ADMIN}}{{/FIXABLE}}{{#ACCEPTED}}<span class="badge badge-muted">accepted</span>{{/ACCEPTED}}</td></tr>
    {{/ROW}}
    </tbody>
  </table>
  </div>
  {{#MORE}}<p class="muted small">The first {{SHOWN}} are shown; the CSV has every one.</p>{{/MORE}}
</section>
{{/AUDIT}}
