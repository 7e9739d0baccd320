{{%AUTOESCAPE context="HTML"}}
<div class="page-head">
  <h1>Checks</h1>
  <p class="muted">{{PASS}} pass · {{WARN}} warn · {{FAIL}} fail · <a href="/checks.json">JSON</a></p>
  <p class="muted" id="checks-taken">Results taken {{TAKEN}} ({{AGE}}).</p>
  {{#ADMIN}}
  <form method="post" action="/checks/run" class="inline">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" id="checks-run">Run again</button>
  </form>
  {{/ADMIN}}
</div>
<ul class="checks" id="checks">
{{#CHECK}}
  <li class="check check-{{CLASS}}" id="check-{{ID}}">
    <span class="badge badge-{{CLASS}} check-status">{{STATUS}}</span>
    <div class="check-body">
      <strong>{{NAME}}</strong>
      <p>{{DETAIL}}</p>
      {{#FIX}}<p class="fix"><span class="fix-label">Fix:</span> {{TEXT}}</p>{{/FIX}}
    </div>
  </li>
{{/CHECK}}
</ul>
