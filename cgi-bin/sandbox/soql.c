/* soql.c - the SOQL subset optsync sends, translated to parameterised SQL over the sandbox tables,
 * with Salesforce's error codes and its query cursors (nextRecordsUrl). */
#include "sf_schema.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TOKENS 20000
#define MAX_ROWS 50000
#define MAX_PARAMS 4000
#define CURSOR_TTL_MS (60LL * 60 * 1000)

typedef enum { T_EOF, T_IDENT, T_STRING, T_NUM, T_DATETIME, T_DATE, T_LP, T_RP, T_COMMA, T_OP } ttype;

typedef struct {
	ttype t;
	int col;       /* 1-based column in the query */
	char text[96]; /* identifiers, operators, the token as written (shortened) */
	char *str;     /* decoded string literal */
	char *like;    /* string literal as an SQL LIKE pattern with '\' as escape */
	int64_t ms;    /* datetime/date value */
	int64_t num;
} tok;

typedef struct {
	int is_int;
	int64_t i;
	char *s;
} param;

typedef struct {
	sbx_req *r;
	const char *q;
	tok *toks;
	int ntok, pos;
	const sbx_sf_object *obj;
	sbx_buf where, order;
	param *params;
	int nparams;
	int failed;
	char code[48];
	char msg[2048];
	const sbx_sf_field *sel[128];
	int nsel, count_only;
	int64_t limit, offset;
	int has_limit;
} soql;

static void fail(soql *s, int col, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(soql *s, int col, const char *code, const char *fmt, ...)
{
	if (s->failed)
		return;
	s->failed = 1;
	sbx_str_copy(s->code, sizeof s->code, code);
	char why[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	/* Salesforce's shape: the query, a caret under the spot, the row/column, the reason */
	int qlen = (int)strlen(s->q);
	int show = qlen > 600 ? 600 : qlen;
	char caret[620];
	int c = col > 0 && col <= show ? col : 1;
	memset(caret, ' ', (size_t)(c - 1));
	caret[c - 1] = '^';
	caret[c] = '\0';
	snprintf(s->msg, sizeof s->msg, "\n%.*s\n%s\nERROR at Row:1:Column:%d\n%s", show, s->q, caret, col,
	         why);
}

/* ---- lexer ---- */

static int add_tok(soql *s, tok *t)
{
	if (s->ntok >= MAX_TOKENS) {
		fail(s, t->col, "MALFORMED_QUERY", "query too long");
		return -1;
	}
	s->toks[s->ntok++] = *t;
	return 0;
}

static int lex_string(soql *s, const char **pp, tok *t)
{
	const char *p = *pp + 1;
	sbx_buf str = {0}, like = {0};
	sbx_buf_puts(&str, "");
	sbx_buf_puts(&like, "");
	for (;;) {
		char c = *p;
		if (!c) {
			fail(s, t->col, "MALFORMED_QUERY",
			     "unexpected token: <EOF> (unterminated string literal)");
			goto bad;
		}
		if (c == '\'') {
			p++;
			break;
		}
		if (c == '\\') {
			char e = p[1], out;
			switch (e) {
			case 'n':
				out = '\n';
				break;
			case 't':
				out = '\t';
				break;
			case 'r':
				out = '\r';
				break;
			case 'b':
				out = '\b';
				break;
			case 'f':
				out = '\f';
				break;
			case '"':
				out = '"';
				break;
			case '\'':
				out = '\'';
				break;
			case '\\':
				out = '\\';
				break;
			case '_':
			case '%':
				/* escaped wildcards: literal in LIKE */
				sbx_buf_put(&str, &e, 1);
				sbx_buf_put(&like, "\\", 1);
				sbx_buf_put(&like, &e, 1);
				p += 2;
				continue;
			default:
				fail(s, (int)(p - s->q) + 1, "MALFORMED_QUERY",
				     "Invalid string literal '%.60s'. Illegal escape sequence", *pp);
				goto bad;
			}
			sbx_buf_put(&str, &out, 1);
			if (out == '\\')
				sbx_buf_put(&like, "\\\\", 2);
			else
				sbx_buf_put(&like, &out, 1);
			p += 2;
			continue;
		}
		sbx_buf_put(&str, &c, 1);
		sbx_buf_put(&like, &c, 1);
		p++;
	}
	if (str.oom || like.oom)
		goto bad;
	t->t = T_STRING;
	t->str = str.p;
	t->like = like.p;
	snprintf(t->text, sizeof t->text, "'%.80s'", str.p);
	*pp = p;
	return 0;
bad:
	sbx_buf_free(&str);
	sbx_buf_free(&like);
	return -1;
}

static int lex(soql *s)
{
	const char *p = s->q;
	while (*p) {
		tok t;
		memset(&t, 0, sizeof t);
		t.col = (int)(p - s->q) + 1;
		unsigned char c = (unsigned char)*p;
		if (isspace(c)) {
			p++;
			continue;
		}
		if (c == '(' || c == ')' || c == ',') {
			t.t = c == '(' ? T_LP : c == ')' ? T_RP : T_COMMA;
			t.text[0] = (char)c;
			p++;
		} else if (c == '=' || c == '<' || c == '>' || c == '!') {
			size_t n = 1;
			if ((c == '<' && (p[1] == '=' || p[1] == '>')) || (c == '>' && p[1] == '=') ||
			    (c == '!' && p[1] == '='))
				n = 2;
			else if (c == '!') {
				fail(s, t.col, "MALFORMED_QUERY", "unexpected token: '!'");
				return -1;
			}
			t.t = T_OP;
			memcpy(t.text, p, n);
			if (strcmp(t.text, "<>") == 0)
				snprintf(t.text, sizeof t.text, "!=");
			p += n;
		} else if (c == '\'') {
			if (lex_string(s, &p, &t) != 0)
				return -1;
		} else if (isdigit(c) || ((c == '-' || c == '+') && isdigit((unsigned char)p[1]))) {
			const char *b = p++;
			while (isalnum((unsigned char)*p) || *p == ':' || *p == '.' || *p == '+' || *p == '-')
				p++;
			size_t n = (size_t)(p - b);
			char lit[64];
			if (n >= sizeof lit) {
				fail(s, t.col, "MALFORMED_QUERY", "unexpected token: '%.40s'", b);
				return -1;
			}
			memcpy(lit, b, n);
			lit[n] = '\0';
			sbx_str_copy(t.text, sizeof t.text, lit);
			int all_digits = 1;
			for (size_t i = (lit[0] == '-' || lit[0] == '+'); i < n; i++)
				all_digits &= isdigit((unsigned char)lit[i]) != 0;
			if (all_digits) {
				t.t = T_NUM;
				t.num = strtoll(lit, NULL, 10);
			} else if (n == 10 && sbx_parse_iso_time(lit, 0, &t.ms) == 0) {
				t.t = T_DATE;
			} else if (strchr(lit, 'T') &&
			           (strchr(lit + 10, 'Z') || strchr(lit + 10, '+') ||
			            strchr(lit + 10, '-')) &&
			           sbx_parse_iso_time(lit, 0, &t.ms) == 0) {
				t.t = T_DATETIME;
			} else {
				fail(s, t.col, "MALFORMED_QUERY",
				     "line 1:%d no viable alternative at character '%c' (invalid "
				     "date, dateTime or number: '%s')",
				     t.col - 1, lit[0], lit);
				return -1;
			}
		} else if (isalpha(c) || c == '_') {
			const char *b = p;
			while (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == ':')
				p++;
			size_t n = (size_t)(p - b);
			if (n >= sizeof t.text) {
				fail(s, t.col, "MALFORMED_QUERY", "unexpected token: '%.60s'", b);
				return -1;
			}
			memcpy(t.text, b, n);
			t.t = T_IDENT;
		} else {
			fail(s, t.col, "MALFORMED_QUERY", "line 1:%d no viable alternative at character '%c'",
			     t.col - 1, c);
			return -1;
		}
		if (add_tok(s, &t) != 0) {
			free(t.str);
			free(t.like);
			return -1;
		}
	}
	tok e;
	memset(&e, 0, sizeof e);
	e.t = T_EOF;
	e.col = (int)strlen(s->q) + 1;
	snprintf(e.text, sizeof e.text, "<EOF>");
	return add_tok(s, &e);
}

/* ---- parser ---- */

static tok *peek(soql *s)
{
	return &s->toks[s->pos];
}

static tok *next_tok(soql *s)
{
	tok *t = &s->toks[s->pos];
	if (t->t != T_EOF)
		s->pos++;
	return t;
}

static int is_kw(const tok *t, const char *kw)
{
	return t->t == T_IDENT && sbx_ieq(t->text, kw);
}

static void unexpected(soql *s, tok *t)
{
	fail(s, t->col, "MALFORMED_QUERY", "unexpected token: %s%s%s", t->t == T_EOF ? "" : "'", t->text,
	     t->t == T_EOF ? "" : "'");
}

static int expect_kw(soql *s, const char *kw)
{
	tok *t = next_tok(s);
	if (!is_kw(t, kw)) {
		unexpected(s, t);
		return -1;
	}
	return 0;
}

static void add_param_int(soql *s, int64_t v)
{
	if (s->nparams >= MAX_PARAMS) {
		fail(s, 1, "MALFORMED_QUERY", "too many values in the query");
		return;
	}
	s->params[s->nparams].is_int = 1;
	s->params[s->nparams++].i = v;
	sbx_buf_puts(&s->where, "?");
}

static void add_param_str(soql *s, const char *v)
{
	if (s->nparams >= MAX_PARAMS) {
		fail(s, 1, "MALFORMED_QUERY", "too many values in the query");
		return;
	}
	s->params[s->nparams].is_int = 0;
	s->params[s->nparams++].s = strdup(v);
	sbx_buf_puts(&s->where, "?");
}

static const char *const reserved[] = {"SELECT", "FROM",  "WHERE",  "AND",   "OR",     "NOT", "IN",
                                       "LIKE",   "ORDER", "BY",     "LIMIT", "OFFSET", "ASC", "DESC",
                                       "NULLS",  "GROUP", "HAVING", "WITH",  NULL};

static const sbx_sf_field *field_tok(soql *s, tok *t)
{
	if (t->t != T_IDENT) {
		unexpected(s, t);
		return NULL;
	}
	for (int i = 0; reserved[i]; i++)
		if (sbx_ieq(t->text, reserved[i])) {
			unexpected(s, t);
			return NULL;
		}
	const char *name = t->text;
	const char *dot = strchr(name, '.');
	if (dot && s->obj && (size_t)(dot - name) == strlen(s->obj->name) &&
	    strncasecmp(name, s->obj->name, (size_t)(dot - name)) == 0)
		name = dot + 1; /* "Contact.Email" FROM Contact is the same field */
	if (strchr(name, '.')) {
		char rel[96];
		sbx_str_copy(rel, sizeof rel, t->text);
		*strchr(rel, '.') = '\0';
		fail(s, t->col, "INVALID_FIELD",
		     "Didn't understand relationship '%s' in field path. If you are attempting to use a "
		     "custom "
		     "relationship, be sure to append the '__r' after the custom relationship name. Please "
		     "reference "
		     "your WSDL or the describe call for the appropriate names.",
		     rel);
		return NULL;
	}
	const sbx_sf_field *f = sbx_sf_field_find(s->obj, name);
	if (!f)
		fail(s, t->col, "INVALID_FIELD",
		     "No such column '%s' on entity '%s'. If you are attempting to use a custom field, be "
		     "sure to append "
		     "the '__c' after the custom field name. Please reference your WSDL or the describe call "
		     "for the "
		     "appropriate names.",
		     t->text, s->obj->name);
	return f;
}

static int is_texty(char type)
{
	return type == 's' || type == 'e' || type == 'p' || type == 'k';
}

static int is_idish(char type)
{
	return type == 'i' || type == 'r';
}

static void type_error(soql *s, tok *v, const sbx_sf_field *f)
{
	const char *want = f->type == 'b'   ? "boolean"
	                   : f->type == 'd' ? "dateTime"
	                   : f->type == 'D' ? "date"
	                                    : "string";
	int quoted = v->t == T_STRING;
	if (is_texty(f->type) || is_idish(f->type))
		fail(s, v->col, "INVALID_FIELD",
		     "value of filter criterion for field '%s' must be of type %s and should be enclosed in "
		     "quotes",
		     f->name, want);
	else
		fail(s, v->col, "INVALID_FIELD",
		     "value of filter criterion for field '%s' must be of type %s%s", f->name, want,
		     quoted ? " and should not be enclosed in quotes" : "");
}

/* Appends "<col> <op> ?" for one literal, checking its type against the field. */
static void compare(soql *s, const sbx_sf_field *f, const char *op, tok *v)
{
	if (v->t == T_IDENT && sbx_ieq(v->text, "null")) {
		if (strcmp(op, "=") && strcmp(op, "!=")) {
			fail(s, v->col, "MALFORMED_QUERY", "unexpected token: 'null'");
			return;
		}
		sbx_buf_printf(&s->where, "%s IS %sNULL", f->col, strcmp(op, "=") ? "NOT " : "");
		return;
	}
	if (v->t == T_IDENT && !sbx_ieq(v->text, "true") && !sbx_ieq(v->text, "false")) {
		fail(s, v->col, "MALFORMED_QUERY",
		     "'%s' is not supported by the sandbox (date literals, bind variables)", v->text);
		return;
	}
	/* SOQL's != keeps rows where the field is null */
	int ne = strcmp(op, "!=") == 0;
	const char *sqlop = ne ? "<>" : op;
	switch (f->type) {
	case 'b':
		if (v->t != T_IDENT || (!sbx_ieq(v->text, "true") && !sbx_ieq(v->text, "false"))) {
			type_error(s, v, f);
			return;
		}
		if (strcmp(op, "=") && !ne) {
			fail(s, v->col, "INVALID_FIELD", "invalid operator on boolean field '%s'", f->name);
			return;
		}
		sbx_buf_printf(&s->where, "%s %s ", f->col, sqlop);
		add_param_int(s, sbx_ieq(v->text, "true"));
		return;
	case 'd':
		if (v->t != T_DATETIME) {
			type_error(s, v, f);
			return;
		}
		sbx_buf_printf(&s->where, "%s%s %s ", ne ? "(" : "", f->col, sqlop);
		add_param_int(s, v->ms);
		if (ne)
			sbx_buf_printf(&s->where, " OR %s IS NULL)", f->col);
		return;
	case 'D':
		if (v->t != T_DATE) {
			type_error(s, v, f);
			return;
		}
		sbx_buf_printf(&s->where, "(%s - %s %% 86400000) %s ", f->col, f->col, sqlop);
		add_param_int(s, v->ms);
		return;
	case 'i':
	case 'r': {
		char id[19];
		if (v->t != T_STRING) {
			type_error(s, v, f);
			return;
		}
		if (sbx_sf_norm_id(v->str, id) != 0) {
			fail(s, v->col, "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: %.60s", v->str);
			return;
		}
		sbx_buf_printf(&s->where, "%s%s %s ", ne ? "(" : "", f->col, sqlop);
		add_param_str(s, id);
		if (ne)
			sbx_buf_printf(&s->where, " OR %s IS NULL)", f->col);
		return;
	}
	case 's':
	case 'e':
	case 'p':
	case 'k':
		if (v->t != T_STRING) {
			type_error(s, v, f);
			return;
		}
		sbx_buf_printf(&s->where, "%s%s %s ", ne ? "(" : "", f->col, sqlop);
		add_param_str(s, v->str);
		sbx_buf_puts(&s->where, " COLLATE NOCASE");
		if (ne)
			sbx_buf_printf(&s->where, " OR %s IS NULL)", f->col);
		return;
	default:
		fail(s, v->col, "INVALID_FIELD", "field '%s' can not be filtered in a query call", f->name);
	}
}

static void in_list(soql *s, const sbx_sf_field *f, int negate)
{
	tok *lp = next_tok(s);
	if (lp->t != T_LP) {
		unexpected(s, lp);
		return;
	}
	if (!(is_texty(f->type) || is_idish(f->type))) {
		fail(s, lp->col, "INVALID_FIELD", "IN is not supported by the sandbox on field '%s'",
		     f->name);
		return;
	}
	if (negate)
		sbx_buf_printf(&s->where, "(%s IS NULL OR ", f->col);
	sbx_buf_printf(&s->where, "%s%s %sIN (", f->col, is_texty(f->type) ? " COLLATE NOCASE" : "",
	               negate ? "NOT " : "");
	for (int n = 0;; n++) {
		tok *v = next_tok(s);
		if (v->t != T_STRING) {
			if (v->t == T_RP && n == 0)
				unexpected(s, v);
			else
				type_error(s, v, f);
			return;
		}
		if (n)
			sbx_buf_puts(&s->where, ", ");
		if (is_idish(f->type)) {
			char id[19];
			if (sbx_sf_norm_id(v->str, id) != 0) {
				fail(s, v->col, "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: %.60s",
				     v->str);
				return;
			}
			add_param_str(s, id);
		} else {
			add_param_str(s, v->str);
		}
		tok *sep = next_tok(s);
		if (sep->t == T_RP)
			break;
		if (sep->t != T_COMMA) {
			unexpected(s, sep);
			return;
		}
	}
	sbx_buf_puts(&s->where, negate ? "))" : ")");
}

static void condition(soql *s);

static void term(soql *s)
{
	if (s->failed)
		return;
	tok *t = peek(s);
	if (is_kw(t, "NOT")) {
		next_tok(s);
		sbx_buf_puts(&s->where, "NOT (");
		term(s);
		sbx_buf_puts(&s->where, ")");
		return;
	}
	if (t->t == T_LP) {
		next_tok(s);
		sbx_buf_puts(&s->where, "(");
		condition(s);
		if (s->failed)
			return;
		tok *rp = next_tok(s);
		if (rp->t != T_RP) {
			unexpected(s, rp);
			return;
		}
		sbx_buf_puts(&s->where, ")");
		return;
	}
	const sbx_sf_field *f = field_tok(s, next_tok(s));
	if (!f)
		return;
	tok *op = next_tok(s);
	if (op->t == T_OP) {
		compare(s, f, op->text, next_tok(s));
	} else if (is_kw(op, "IN")) {
		in_list(s, f, 0);
	} else if (is_kw(op, "NOT") && is_kw(peek(s), "IN")) {
		next_tok(s);
		in_list(s, f, 1);
	} else if (is_kw(op, "LIKE")) {
		tok *v = next_tok(s);
		if (!is_texty(f->type) || v->t != T_STRING) {
			if (!is_texty(f->type))
				fail(s, op->col, "INVALID_FIELD", "invalid operator on field '%s': LIKE",
				     f->name);
			else
				type_error(s, v, f);
			return;
		}
		sbx_buf_printf(&s->where, "%s LIKE ", f->col);
		add_param_str(s, v->like);
		sbx_buf_puts(&s->where, " ESCAPE '\\'");
	} else {
		unexpected(s, op);
	}
}

static void condition(soql *s)
{
	const char *joiner = NULL;
	term(s);
	while (!s->failed) {
		tok *t = peek(s);
		const char *j = is_kw(t, "AND") ? "AND" : is_kw(t, "OR") ? "OR" : NULL;
		if (!j)
			return;
		/* SOQL needs parentheses to mix AND and OR */
		if (joiner && strcmp(joiner, j) != 0) {
			unexpected(s, t);
			return;
		}
		joiner = j;
		next_tok(s);
		sbx_buf_printf(&s->where, " %s ", j);
		term(s);
	}
}

static void order_by(soql *s)
{
	for (;;) {
		tok *ft = next_tok(s);
		const sbx_sf_field *f = field_tok(s, ft);
		if (!f)
			return;
		if (f->type == 'a' || f->type == 'u') {
			fail(s, ft->col, "INVALID_FIELD", "field '%s' can not be sorted in a query call",
			     f->name);
			return;
		}
		int desc = 0, nulls_last = -1;
		if (is_kw(peek(s), "ASC"))
			next_tok(s);
		else if (is_kw(peek(s), "DESC")) {
			next_tok(s);
			desc = 1;
		}
		if (is_kw(peek(s), "NULLS")) {
			next_tok(s);
			tok *w = next_tok(s);
			if (is_kw(w, "FIRST"))
				nulls_last = 0;
			else if (is_kw(w, "LAST"))
				nulls_last = 1;
			else {
				unexpected(s, w);
				return;
			}
		}
		if (nulls_last < 0)
			nulls_last = desc; /* Salesforce: ASC NULLS FIRST, DESC NULLS LAST */
		sbx_buf_printf(&s->order, "%s%s%s %s NULLS %s", s->order.len ? ", " : "", f->col,
		               is_texty(f->type) ? " COLLATE NOCASE" : "", desc ? "DESC" : "ASC",
		               nulls_last ? "LAST" : "FIRST");
		if (peek(s)->t != T_COMMA)
			return;
		next_tok(s);
	}
}

static void parse(soql *s)
{
	if (expect_kw(s, "SELECT"))
		return;
	tok *fields[128];
	int nf = 0;
	if (is_kw(peek(s), "COUNT") && s->toks[s->pos + 1].t == T_LP) {
		next_tok(s);
		next_tok(s);
		tok *rp = next_tok(s);
		if (rp->t != T_RP) {
			fail(s, rp->col, "MALFORMED_QUERY",
			     "COUNT(field) and aggregates are not supported by the sandbox");
			return;
		}
		s->count_only = 1;
	} else {
		for (;;) {
			tok *t = next_tok(s);
			if (t->t == T_LP) {
				fail(s, t->col, "MALFORMED_QUERY",
				     "subqueries are not supported by the sandbox");
				return;
			}
			if (t->t != T_IDENT || is_kw(t, "FROM")) {
				unexpected(s, t);
				return;
			}
			if (peek(s)->t == T_LP) {
				fail(s, t->col, "MALFORMED_QUERY",
				     "functions and aggregates are not supported by the sandbox");
				return;
			}
			if (nf >= 128) {
				fail(s, t->col, "MALFORMED_QUERY", "too many fields");
				return;
			}
			fields[nf++] = t;
			if (peek(s)->t != T_COMMA)
				break;
			next_tok(s);
		}
	}
	if (expect_kw(s, "FROM"))
		return;
	tok *ot = next_tok(s);
	if (ot->t != T_IDENT) {
		unexpected(s, ot);
		return;
	}
	s->obj = sbx_sf_object_find(ot->text);
	/* An org without history tracking on the object has no ContactHistory / LeadHistory at all:
	 * Salesforce answers the query as for any unknown type. */
	size_t tl = strlen(ot->text);
	if (tl > 7 && strcmp(ot->text + tl - 7, "History") == 0) {
		sbx_counter_add(s->r->app->db, "soql_history_queries", 1);
		if (s->obj && !sbx_knob_int("history_objects"))
			s->obj = NULL;
	}
	if (!s->obj) {
		fail(s, ot->col, "INVALID_TYPE",
		     "sObject type '%s' is not supported. If you are attempting to use a custom object, be "
		     "sure to append "
		     "the '__c' after the entity name. Please reference your WSDL or the describe call for "
		     "the "
		     "appropriate names.",
		     ot->text);
		return;
	}
	for (int i = 0; i < nf; i++) {
		const sbx_sf_field *f = field_tok(s, fields[i]);
		if (!f)
			return;
		for (int j = 0; j < s->nsel; j++)
			if (s->sel[j] == f) {
				fail(s, fields[i]->col, "MALFORMED_QUERY", "duplicate field selected: %s",
				     f->name);
				return;
			}
		s->sel[s->nsel++] = f;
	}
	if (is_kw(peek(s), "WHERE")) {
		next_tok(s);
		condition(s);
		if (s->failed)
			return;
	}
	if (is_kw(peek(s), "ORDER")) {
		next_tok(s);
		if (expect_kw(s, "BY"))
			return;
		order_by(s);
		if (s->failed)
			return;
	}
	if (is_kw(peek(s), "LIMIT")) {
		next_tok(s);
		tok *n = next_tok(s);
		if (n->t != T_NUM || n->num < 0) {
			unexpected(s, n);
			return;
		}
		s->limit = n->num;
		s->has_limit = 1;
	}
	if (is_kw(peek(s), "OFFSET")) {
		next_tok(s);
		tok *n = next_tok(s);
		if (n->t != T_NUM || n->num < 0) {
			unexpected(s, n);
			return;
		}
		if (n->num > 2000) {
			fail(s, n->col, "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000");
			return;
		}
		s->offset = n->num;
	}
	tok *end = next_tok(s);
	if (end->t != T_EOF)
		unexpected(s, end);
}

static void soql_free(soql *s)
{
	for (int i = 0; i < s->ntok; i++) {
		free(s->toks[i].str);
		free(s->toks[i].like);
	}
	free(s->toks);
	for (int i = 0; i < s->nparams; i++)
		free(s->params[i].s);
	free(s->params);
	sbx_buf_free(&s->where);
	sbx_buf_free(&s->order);
}

static void bind_all(soql *s, sqlite3_stmt *st)
{
	for (int i = 0; i < s->nparams; i++) {
		if (s->params[i].is_int)
			sqlite3_bind_int64(st, i + 1, s->params[i].i);
		else
			sqlite3_bind_text(st, i + 1, s->params[i].s, -1, SQLITE_STATIC);
	}
}

static int64_t page_size(sbx_req *r)
{
	int64_t page = sbx_knob_int("sf_page_size");
	const char *opt = sbx_req_env(r, "HTTP_SFORCE_QUERY_OPTIONS");
	const char *bs = opt ? strstr(opt, "batchSize=") : NULL;
	if (bs) {
		int64_t want = strtoll(bs + 10, NULL, 10);
		if (want < 200)
			want = 200;
		if (want < page)
			page = want;
	}
	return page < 1 ? 1 : page;
}

static void locator(int64_t cursor, int64_t offset, const char *version, char *out, size_t n)
{
	char id[19];
	sbx_sf_make_id("01g", cursor, id);
	snprintf(out, n, "/services/data/%s/query/%s-%lld", version, id, (long long)offset);
}

static json_object *page_answer(int64_t total, json_object *records, const char *next)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "totalSize", sbx_jint(total));
	json_object_object_add(o, "done", sbx_jbool(next == NULL));
	if (next)
		json_object_object_add(o, "nextRecordsUrl", sbx_jstr(next));
	json_object_object_add(o, "records", records);
	return o;
}

void sbx_soql_run(sbx_req *r, const char *q, int all_rows)
{
	soql s;
	memset(&s, 0, sizeof s);
	s.r = r;
	s.q = q;
	s.toks = calloc(MAX_TOKENS, sizeof(tok));
	s.params = calloc(MAX_PARAMS, sizeof(param));
	if (!s.toks || !s.params) {
		soql_free(&s);
		sbx_resp_error(r, 500, "UNKNOWN_EXCEPTION", "out of memory");
		return;
	}
	if (lex(&s) == 0)
		parse(&s);
	if (s.failed) {
		sbx_resp_error(r, 400, s.code, "%s", s.msg);
		soql_free(&s);
		return;
	}
	sbx_buf sql = {0};
	const char *from = all_rows ? s.obj->from_all : s.obj->from;
	int64_t limit = s.has_limit ? s.limit : MAX_ROWS;
	if (limit > MAX_ROWS)
		limit = MAX_ROWS;
	if (s.count_only) {
		sbx_buf_printf(&sql, "SELECT count(*) FROM (SELECT 1 FROM %s", from);
	} else {
		sbx_buf_puts(&sql, "SELECT ");
		for (int i = 0; i < s.nsel; i++)
			sbx_buf_printf(&sql, "%s%s", i ? ", " : "", s.sel[i]->col);
		sbx_buf_printf(&sql, ", t.id FROM %s", from);
	}
	if (s.where.len)
		sbx_buf_printf(&sql, " AND (%s)", s.where.p);
	if (!s.count_only)
		sbx_buf_printf(&sql, " ORDER BY %s%st.rid", s.order.len ? s.order.p : "",
		               s.order.len ? ", " : "");
	sbx_buf_printf(&sql, " LIMIT %lld OFFSET %lld", (long long)limit, (long long)s.offset);
	if (s.count_only)
		sbx_buf_puts(&sql, ")");
	sqlite3_stmt *st = sql.oom ? NULL : sbx_db_prep(r->app->db, sql.p);
	sbx_buf_free(&sql);
	if (!st) {
		sbx_resp_error(r, 500, "UNKNOWN_EXCEPTION", "the sandbox could not run this query");
		soql_free(&s);
		return;
	}
	bind_all(&s, st);
	if (s.count_only) {
		int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_finalize(st);
		sbx_resp_json(r, 200, page_answer(n, json_object_new_array(), NULL));
		soql_free(&s);
		return;
	}
	int64_t page = page_size(r), total = 0, cursor = 0;
	json_object *first = json_object_new_array();
	sqlite3_stmt *ins = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_object *rec = json_object_new_object(), *attrs = json_object_new_object();
		char url[160];
		sbx_sf_record_url(r->sf_version, s.obj->name, (const char *)sqlite3_column_text(st, s.nsel),
		                  url, sizeof url);
		json_object_object_add(attrs, "type", sbx_jstr(s.obj->name));
		json_object_object_add(attrs, "url", sbx_jstr(url));
		json_object_object_add(rec, "attributes", attrs);
		for (int i = 0; i < s.nsel; i++)
			json_object_object_add(rec, s.sel[i]->name, sbx_sf_value_json(s.sel[i], st, i));
		if (total < page) {
			json_object_array_add(first, rec);
		} else {
			/* past the first page: the rest waits in a cursor, as a snapshot of this moment */
			if (!cursor) {
				sqlite3_stmt *c = sbx_db_prep(
				    r->app->db, "INSERT INTO sf_cursors(created_ms, total, page, version,"
				                " type) VALUES(?1, 0, ?2, ?3, ?4)");
				if (c) {
					sqlite3_bind_int64(c, 1, r->now_ms);
					sqlite3_bind_int64(c, 2, page);
					sqlite3_bind_text(c, 3, r->sf_version, -1, SQLITE_TRANSIENT);
					sqlite3_bind_text(c, 4, s.obj->name, -1, SQLITE_STATIC);
					sqlite3_step(c);
					sqlite3_finalize(c);
				}
				cursor = sqlite3_last_insert_rowid(r->app->db);
				ins = sbx_db_prep(
				    r->app->db,
				    "INSERT INTO sf_cursor_rows(cursor, pos, json) VALUES(?1, ?2, ?3)");
			}
			if (ins) {
				sqlite3_reset(ins);
				sqlite3_bind_int64(ins, 1, cursor);
				sqlite3_bind_int64(ins, 2, total);
				sqlite3_bind_text(ins, 3,
				                  json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN),
				                  -1, SQLITE_TRANSIENT);
				sqlite3_step(ins);
			}
			json_object_put(rec);
		}
		total++;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ins);
	char next[200];
	if (cursor) {
		sqlite3_stmt *u = sbx_db_prep(r->app->db, "UPDATE sf_cursors SET total = ?2 WHERE id = ?1");
		if (u) {
			sqlite3_bind_int64(u, 1, cursor);
			sqlite3_bind_int64(u, 2, total);
			sqlite3_step(u);
			sqlite3_finalize(u);
		}
		locator(cursor, page, r->sf_version, next, sizeof next);
	}
	sbx_resp_json(r, 200, page_answer(total, first, cursor ? next : NULL));
	soql_free(&s);
	/* old cursors go away after an hour */
	sqlite3_stmt *del = sbx_db_prep(r->app->db, "DELETE FROM sf_cursor_rows WHERE cursor IN"
	                                            " (SELECT id FROM sf_cursors WHERE created_ms < ?1)");
	if (del) {
		sqlite3_bind_int64(del, 1, r->now_ms - CURSOR_TTL_MS);
		sqlite3_step(del);
		sqlite3_finalize(del);
	}
	del = sbx_db_prep(r->app->db, "DELETE FROM sf_cursors WHERE created_ms < ?1");
	if (del) {
		sqlite3_bind_int64(del, 1, r->now_ms - CURSOR_TTL_MS);
		sqlite3_step(del);
		sqlite3_finalize(del);
	}
}

void sbx_soql_next_page(sbx_req *r, const char *loc)
{
	char idpart[40], id[19];
	const char *dash = strrchr(loc, '-');
	int64_t offset = -1, cursor = -1;
	if (dash && (size_t)(dash - loc) < sizeof idpart) {
		memcpy(idpart, loc, (size_t)(dash - loc));
		idpart[dash - loc] = '\0';
		char *end;
		offset = strtoll(dash + 1, &end, 10);
		if (*end || !dash[1])
			offset = -1;
		if (sbx_sf_norm_id(idpart, id) == 0 && strncmp(id, "01g", 3) == 0)
			cursor = sbx_sf_id_serial(id);
	}
	int64_t total = 0, page = 0;
	int found = 0;
	sqlite3_stmt *st = sbx_db_prep(r->app->db, "SELECT total, page FROM sf_cursors WHERE id = ?1");
	if (st && cursor > 0) {
		sqlite3_bind_int64(st, 1, cursor);
		if (sqlite3_step(st) == SQLITE_ROW) {
			found = 1;
			total = sqlite3_column_int64(st, 0);
			page = sqlite3_column_int64(st, 1);
		}
	}
	sqlite3_finalize(st);
	if (!found || offset < page || offset >= total) {
		sbx_resp_error(r, 400, "INVALID_QUERY_LOCATOR", "invalid query locator");
		return;
	}
	json_object *recs = json_object_new_array();
	st = sbx_db_prep(
	    r->app->db,
	    "SELECT json FROM sf_cursor_rows WHERE cursor = ?1 AND pos >= ?2 AND pos < ?3 ORDER BY pos");
	if (st) {
		sqlite3_bind_int64(st, 1, cursor);
		sqlite3_bind_int64(st, 2, offset);
		sqlite3_bind_int64(st, 3, offset + page);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_object *rec = json_tokener_parse((const char *)sqlite3_column_text(st, 0));
			if (rec)
				json_object_array_add(recs, rec);
		}
		sqlite3_finalize(st);
	}
	char next[200];
	int more = offset + page < total;
	if (more)
		locator(cursor, offset + page, r->sf_version, next, sizeof next);
	sbx_resp_json(r, 200, page_answer(total, recs, more ? next : NULL));
}
