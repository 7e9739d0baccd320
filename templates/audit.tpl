{{%AUTOESCAPE context="HTML"}}
<div class="page-head">
  <h1>Audit</h1>
  <a class="btn" href="/audit.csv">Export CSV</a>
</div>
{{#UNAVAILABLE}}<div class="box box-info unavailable">Not available yet. {{WHAT}}</div>{{/UNAVAILABLE}}
{{#AUDIT}}
<p class="muted">{{COUNT}} people disagree. An accepted difference (a box unchecked in Salesforce: only the person can re-subscribe) is shown but needs no fix.</p>
<div class="table-wrap">
<table class="table" id="audit">
  <thead><tr><th>Person</th><th>ActiveCampaign</th><th>Salesforce</th><th>Why</th><th></th></tr></thead>
  <tbody>
  {{#ROW}}<tr><td><a href="{{URL}}">{{EMAIL}}</a></td><td>{{AC}}</td><td>{{SF}}</td><td>{{WHY}}</td>
    <td>{{#FIXABLE}}{{#ADMIN}}<form method="post" action="/audit/fix" class="inline"><input type="hidden" name="csrf" value="{{CSRF}}"><input type="hidden" name="email" value="{{EMAIL}}"><button type="submit" class="btn btn-small">Fix</button></form>{{/ADMIN}}{{/FIXABLE}}{{#ACCEPTED}}<span class="badge badge-muted">accepted</span>{{/ACCEPTED}}</td></tr>
  {{/ROW}}
  </tbody>
</table>
</div>
{{/AUDIT}}
