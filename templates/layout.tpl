{{%AUTOESCAPE context="HTML"}}
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{#REFRESH}}<meta http-equiv="refresh" content="{{SECONDS}}{{#TO}};url={{URL}}{{/TO}}">
{{/REFRESH}}<title>{{TITLE}} · optsync</title>
<link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<header class="topbar">
  <a class="brand" href="/"><span class="brand-mark" aria-hidden="true">⇄</span> optsync</a>
  {{#NAV}}
  <nav class="nav" aria-label="Main">
    <a href="/status"{{#NAV_STATUS}} aria-current="page"{{/NAV_STATUS}}>Status</a>
    <a href="/contacts"{{#NAV_CONTACTS}} aria-current="page"{{/NAV_CONTACTS}}>Contacts</a>
    <a href="/audit"{{#NAV_AUDIT}} aria-current="page"{{/NAV_AUDIT}}>Audit</a>
    <a href="/checks"{{#NAV_CHECKS}} aria-current="page"{{/NAV_CHECKS}}>Checks</a>
    <a href="/setup"{{#NAV_SETUP}} aria-current="page"{{/NAV_SETUP}}>Setup</a>
  </nav>
  <form class="who" method="post" action="/logout">
    <span class="who-name" title="Signed in">{{USER}} <span class="badge badge-muted">{{ROLE}}</span></span>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" class="btn btn-ghost btn-small">Sign out</button>
  </form>
  {{/NAV}}
</header>
<main class="main">
{{#ERROR}}<div class="box box-error" role="alert">{{MSG}}</div>{{/ERROR}}
{{#NOTICE}}<div class="box box-ok" role="status">{{MSG}}</div>{{/NOTICE}}
{{>BODY}}
</main>
<footer class="footer">optsync {{VERSION}} keeps Salesforce Email Opt Out in step with ActiveCampaign.</footer>
</body>
</html>
