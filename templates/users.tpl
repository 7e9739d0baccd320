{{%AUTOESCAPE context="HTML"}}
<div class="page-head"><h1>Users</h1><a class="btn btn-ghost" href="/setup">Back to setup</a></div>
<div class="grid2">
<section class="card">
  <h2>Who can sign in</h2>
  <div class="table-wrap">
  <table class="table" id="users">
    <thead><tr><th>Name</th><th>Role</th><th>Since</th><th></th></tr></thead>
    <tbody>
    {{#USER_ROW}}<tr><td>{{NAME}}{{#YOU}} <span class="badge badge-muted">you</span>{{/YOU}}</td><td>{{ROLE}}</td><td class="nowrap">{{CREATED}}</td>
      <td>{{#ADMIN}}{{#NOT_YOU}}<form method="post" action="/users/delete" class="inline"><input type="hidden" name="csrf" value="{{CSRF}}"><input type="hidden" name="id" value="{{ID}}"><button type="submit" class="btn btn-small btn-danger" data-confirm="Remove {{NAME}}?">Remove</button></form>{{/NOT_YOU}}{{/ADMIN}}</td></tr>
    {{/USER_ROW}}
    </tbody>
  </table>
  </div>
</section>
{{#ADMIN}}
<section class="card">
  <h2>Add a user</h2>
  <form method="post" action="/users/add" class="form" id="add-user">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <label>Name <input name="name" required maxlength="64" autocomplete="off"></label>
    <label>Role <select name="role"><option value="viewer">viewer: sees everything, changes nothing</option><option value="admin">admin: connects, configures, runs syncs</option></select></label>
    <label>Password <input type="password" name="password" required minlength="10" autocomplete="new-password"></label>
    <button type="submit" class="btn btn-primary">Add user</button>
  </form>
</section>
{{/ADMIN}}
</div>
