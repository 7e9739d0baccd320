{{%AUTOESCAPE context="HTML"}}
<section class="auth">
{{#FIRST_RUN}}
  <h1>Welcome to optsync</h1>
  <p class="lead">This is a new installation. Create the administrator account: it can connect
  ActiveCampaign and Salesforce, change settings and run syncs.</p>
  <form method="post" action="/login" class="card form" id="first-run">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <label>Setup code <input name="code" autocomplete="off" required maxlength="40" autofocus></label>
    <p class="hint">Only the machine's owner can read it: <code>make run</code> prints it, and it is in the
    file <code>setup-code</code> beside the database (mode 0600). Or create the administrator from the
    shell with <code>optsync user add NAME --role admin</code>.</p>
    <label>Name <input name="name" value="{{NAME}}" autocomplete="username" required maxlength="64"></label>
    <label>Password <input type="password" name="password" autocomplete="new-password" required minlength="10"></label>
    <label>Password again <input type="password" name="password2" autocomplete="new-password" required minlength="10"></label>
    <p class="hint">At least 10 characters. It is stored as an Argon2id hash only.</p>
    <button type="submit" class="btn btn-primary">Create the administrator</button>
  </form>
{{/FIRST_RUN}}
{{#SIGN_IN}}
  <h1>Sign in</h1>
  <form method="post" action="/login" class="card form" id="sign-in">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <input type="hidden" name="next" value="{{NEXT}}">
    <label>Name <input name="name" value="{{NAME}}" autocomplete="username" required maxlength="64" autofocus></label>
    <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
    <button type="submit" class="btn btn-primary">Sign in</button>
  </form>
{{/SIGN_IN}}
</section>
