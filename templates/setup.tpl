{{%AUTOESCAPE context="HTML"}}
<div class="page-head">
  <h1>Setup</h1>
  <a class="btn btn-ghost" href="/users">Users</a>
</div>

{{#SANDBOX}}
<section class="card highlight" id="sandbox">
  <h2>Try it with the sandbox</h2>
  <p>This machine also serves an emulated ActiveCampaign and Salesforce, seeded with demo people
  (<a href="/sandbox/">sandbox console</a>). One click connects both sides to it.</p>
  {{#ADMIN}}
  <form method="post" action="/setup/sandbox" class="inline">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" class="btn btn-primary" id="use-sandbox">Use the sandbox</button>
  </form>
  {{/ADMIN}}
  <p class="muted small">Endpoints: {{BASE}}/sandbox/ac and {{BASE}}/sandbox/sf</p>
</section>
{{/SANDBOX}}

<div class="grid2">
{{#AC}}
<section class="card" id="ac">
  <h2>ActiveCampaign</h2>
  {{#CONNECTED}}<p class="conn conn-ok"><span class="dot"></span> Connected as <strong>{{ACCOUNT}}</strong>; verified {{VERIFIED}}.</p>{{/CONNECTED}}
  {{#NOT_CONNECTED}}<p class="conn conn-off"><span class="dot"></span> Not connected.</p>{{/NOT_CONNECTED}}
  <form method="post" action="/setup/ac" class="form">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <label>API URL <input name="url" value="{{URL}}" placeholder="https://ACCOUNT.api-us1.com" required {{#VIEWER}}disabled{{/VIEWER}}></label>
    <label>API key <input type="password" name="key" value="" autocomplete="off" placeholder="{{SECRET_HINT}}" {{#VIEWER}}disabled{{/VIEWER}}></label>
    <p class="hint">Settings → Developer in ActiveCampaign. The key is stored encrypted and never shown again{{#CONNECTED}}; leave it empty to keep the current one{{/CONNECTED}}.</p>
    {{#ADMIN}}<button type="submit" class="btn btn-primary">Save and verify</button>{{/ADMIN}}
  </form>
  {{#ADMIN}}{{#CONNECTED}}
  <form method="post" action="/setup/test" class="inline">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <input type="hidden" name="which" value="ac">
    <button type="submit" class="btn" id="test-ac">Test connection</button>
  </form>
  {{/CONNECTED}}{{/ADMIN}}
</section>
{{/AC}}

{{#SF}}
<section class="card" id="sf">
  <h2>Salesforce</h2>
  {{#CONNECTED}}<p class="conn conn-ok"><span class="dot"></span> Connected to <strong>{{ACCOUNT}}</strong>{{#OAUTH}} through the browser (refresh token){{/OAUTH}}; verified {{VERIFIED}}.</p>{{/CONNECTED}}
  {{#NOT_CONNECTED}}<p class="conn conn-off"><span class="dot"></span> Not connected.</p>{{/NOT_CONNECTED}}
  <form method="post" action="/setup/sf" class="form">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <label>Login URL <input name="login_url" value="{{URL}}" placeholder="https://YOURDOMAIN.my.salesforce.com" required {{#VIEWER}}disabled{{/VIEWER}}></label>
    <label>Client id (consumer key) <input name="client_id" value="{{CLIENT_ID}}" autocomplete="off" required {{#VIEWER}}disabled{{/VIEWER}}></label>
    <label>Client secret <input type="password" name="client_secret" value="" autocomplete="off" placeholder="{{SECRET_HINT}}" {{#VIEWER}}disabled{{/VIEWER}}></label>
    <label>API version <input name="api_version" value="{{API_VERSION}}" class="narrow" {{#VIEWER}}disabled{{/VIEWER}}></label>
    <p class="hint" id="sf-login-hint">Save and verify uses the client-credentials flow, which Salesforce accepts only on your org's <strong>My Domain</strong> login URL (Setup → My Domain, e.g. https://YOURDOMAIN.my.salesforce.com; a sandbox org: https://YOURDOMAIN--SANDBOX.sandbox.my.salesforce.com), not on login.salesforce.com or test.salesforce.com. Connect Salesforce signs in through the browser instead (web-server flow with PKCE), works with any of them, and keeps a refresh token.</p>
    {{#ADMIN}}
    <button type="submit" class="btn btn-primary">Save and verify</button>
    <button type="submit" class="btn" formaction="/setup/sf-oauth" id="connect-sf">Connect Salesforce</button>
    {{/ADMIN}}
  </form>
  {{#ADMIN}}{{#CONNECTED}}
  <form method="post" action="/setup/test" class="inline">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <input type="hidden" name="which" value="sf">
    <button type="submit" class="btn" id="test-sf">Test connection</button>
  </form>
  {{/CONNECTED}}{{/ADMIN}}
</section>
{{/SF}}
</div>

<div class="grid2">
<section class="card" id="settings">
  <h2>Settings</h2>
  <form method="post" action="/setup/settings" class="form">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    {{#SETTING}}
    <label>{{KEY}}
      {{#CHOICE}}<select name="{{KEY}}" {{#VIEWER}}disabled{{/VIEWER}}>{{#OPTION}}<option value="{{V}}"{{#SELECTED}} selected{{/SELECTED}}>{{V}}</option>{{/OPTION}}</select>{{/CHOICE}}
      {{#TEXT}}<input name="{{KEY}}" value="{{VALUE}}" {{#VIEWER}}disabled{{/VIEWER}}>{{/TEXT}}
      <span class="hint">{{DESCRIPTION}}; default: {{DEFAULT}}</span></label>
    {{/SETTING}}
    {{#ADMIN}}<button type="submit" class="btn btn-primary">Save settings</button>{{/ADMIN}}
  </form>
</section>

<section class="card" id="webhook">
  <h2>Webhook</h2>
  <p>ActiveCampaign tells optsync about subscribes, unsubscribes and bounces the moment they happen.
  It neither signs nor retries webhooks, so the address carries a secret, and every sync also polls.</p>
  {{#WEBHOOK}}
  <label>Webhook URL <input value="{{URL}}" readonly class="mono" id="webhook-url"></label>
  <p class="hint">Set public_url when ActiveCampaign reaches this dashboard at another address.</p>
  <form method="post" action="/setup/webhook" class="inline">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" class="btn" id="register-webhook">Register webhook in ActiveCampaign</button>
  </form>
  {{/WEBHOOK}}
  {{#VIEWER}}<p class="muted">The webhook address holds a secret and is shown to administrators only.</p>{{/VIEWER}}
</section>
</div>
