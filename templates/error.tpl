{{%AUTOESCAPE context="HTML"}}
<section class="auth">
  <h1>{{STATUS}}</h1>
  <p class="lead">{{MSG}}</p>
  <p>{{#SIGNIN}}<a class="btn btn-primary" href="/login">Sign in</a> {{/SIGNIN}}<a class="btn" href="/">Back to the dashboard</a></p>
</section>
