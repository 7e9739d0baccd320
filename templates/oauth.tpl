{{%AUTOESCAPE context="HTML"}}
<section class="auth">
  <h1>Connect Salesforce</h1>
  {{#GO}}
  <p class="lead">Taking you to Salesforce to sign in and allow optsync…</p>
  <p><a class="btn btn-primary" href="{{URL}}" id="go-salesforce">Continue to Salesforce</a></p>
  <p class="hint">Salesforce sends you back to {{CALLBACK}}; that address must be the callback URL of the connected app.</p>
  {{/GO}}
  {{#DONE}}
  <div class="box box-ok">Salesforce is connected through the browser; optsync keeps the refresh token, encrypted.</div>
  <p><a class="btn btn-primary" href="/setup">Back to setup</a></p>
  {{/DONE}}
  {{#FAILED}}
  <div class="box box-error">{{MSG}}</div>
  <p><a class="btn" href="/setup">Back to setup</a></p>
  {{/FAILED}}
</section>
