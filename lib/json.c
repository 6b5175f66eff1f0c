/* json.c: an exact JSON writer and a syntax checker for messages. */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
json_number(char *buf, size_t n, double d)
{
	if (!isfinite(d)) {
		snprintf(buf, n, "null");	/* JSON has no NaN or infinity */
		return;
	}
	if (d == floor(d) && fabs(d) < 9007199254740992.0) {	/* 2^53 */
		snprintf(buf, n, "%.0f", d);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

static void
write_string(struct sbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	sbuf_addc(b, '"');
	const char *run = s;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sbuf_add(b, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"': sbuf_adds(b, "\\\""); break;
		case '\\': sbuf_adds(b, "\\\\"); break;
		case '\n': sbuf_adds(b, "\\n"); break;
		case '\r': sbuf_adds(b, "\\r"); break;
		case '\t': sbuf_adds(b, "\\t"); break;
		case '\b': sbuf_adds(b, "\\b"); break;
		case '\f': sbuf_adds(b, "\\f"); break;
		default: {
			char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
			sbuf_adds(b, u);
		}
		}
	}
	sbuf_add(b, run, (size_t)(s - run));
	sbuf_addc(b, '"');
}

void
json_write(struct sbuf *b, const cJSON *v)
{
	char num[32];
	switch (v->type & 0xff) {
	case cJSON_False: sbuf_adds(b, "false"); return;
	case cJSON_True: sbuf_adds(b, "true"); return;
	case cJSON_NULL: sbuf_adds(b, "null"); return;
	case cJSON_Number:
		json_number(num, sizeof num, v->valuedouble);
		sbuf_adds(b, num);
		return;
	case cJSON_String: write_string(b, v->valuestring ? v->valuestring : ""); return;
	case cJSON_Raw: sbuf_adds(b, v->valuestring ? v->valuestring : "null"); return;
	case cJSON_Array:
	case cJSON_Object: {
		int obj = (v->type & 0xff) == cJSON_Object;
		sbuf_addc(b, obj ? '{' : '[');
		for (const cJSON *c = v->child; c; c = c->next) {
			if (c != v->child)
				sbuf_addc(b, ',');
			if (obj) {
				write_string(b, c->string ? c->string : "");
				sbuf_addc(b, ':');
			}
			json_write(b, c);
		}
		sbuf_addc(b, obj ? '}' : ']');
		return;
	}
	default:
		sbuf_adds(b, "null");
	}
}

char *
json_print(const cJSON *v)
{
	struct sbuf b = { 0 };
	json_write(&b, v);
	return b.s;
}

int
json_println(FILE *fp, const cJSON *v)
{
	static _Thread_local struct sbuf b;	/* reused: one line after another */
	sbuf_reset(&b);
	json_write(&b, v);
	sbuf_addc(&b, '\n');
	return fwrite(b.s, 1, b.len, fp) == b.len ? 0 : -1;
}

/* ---- the syntax checker (RFC 8259), for error messages only ------------- */

struct scan {
	const char *s, *end, *p;
	const char *why;
	int depth;
};

static void
blanks(struct scan *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int
err(struct scan *c, const char *why)
{
	c->why = why;
	return -1;
}

static int
scan_string(struct scan *c)
{
	if (c->p >= c->end || *c->p != '"')
		return err(c, "expected a string in double quotes");
	for (c->p++; c->p < c->end; c->p++) {
		unsigned char ch = (unsigned char)*c->p;
		if (ch == '"') {
			c->p++;
			return 0;
		}
		if (ch < 0x20)
			return err(c, "a control character in a string (escape it)");
		if (ch == '\\') {
			c->p++;
			if (c->p >= c->end)
				break;
			if (*c->p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (c->p + i >= c->end || !strchr("0123456789abcdefABCDEF", c->p[i]) ||
					    c->p[i] == '\0') {
						c->p += i;
						return err(c, "expected four hex digits after \\u");
					}
				c->p += 4;
			} else if (!strchr("\"\\/bfnrt", *c->p) || *c->p == '\0') {
				return err(c, "unknown escape in a string");
			}
		}
	}
	return err(c, "unterminated string");
}

static int
scan_number(struct scan *c)
{
	const char *p = c->p;
	if (p < c->end && *p == '-')
		p++;
	if (p >= c->end || *p < '0' || *p > '9') {
		c->p = p;
		return err(c, "expected a value");
	}
	if (*p == '0')
		p++;
	else
		while (p < c->end && *p >= '0' && *p <= '9')
			p++;
	if (p < c->end && *p == '.') {
		p++;
		if (p >= c->end || *p < '0' || *p > '9') {
			c->p = p;
			return err(c, "expected digits after the decimal point");
		}
		while (p < c->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < c->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < c->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= c->end || *p < '0' || *p > '9') {
			c->p = p;
			return err(c, "expected digits in the exponent");
		}
		while (p < c->end && *p >= '0' && *p <= '9')
			p++;
	}
	c->p = p;
	return 0;
}

static int scan_value(struct scan *c);

static int
scan_container(struct scan *c, char close)
{
	if (++c->depth > 1000)
		return err(c, "nested too deeply");
	c->p++;
	blanks(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		c->depth--;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (c->p < c->end && *c->p != '"')
				return err(c, "expected a member name in double quotes");
			if (scan_string(c))
				return -1;
			blanks(c);
			if (c->p >= c->end || *c->p != ':')
				return err(c, "expected ':' after a member name");
			c->p++;
		}
		if (scan_value(c))
			return -1;
		blanks(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			blanks(c);
			continue;
		}
		if (c->p < c->end && *c->p == close) {
			c->p++;
			c->depth--;
			return 0;
		}
		return err(c, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int
scan_value(struct scan *c)
{
	blanks(c);
	if (c->p >= c->end)
		return err(c, "unexpected end of line");
	switch (*c->p) {
	case '{': return scan_container(c, '}');
	case '[': return scan_container(c, ']');
	case '"': return scan_string(c);
	case 't':
	case 'f':
	case 'n': {
		const char *word = *c->p == 't' ? "true" : *c->p == 'f' ? "false" : "null";
		size_t n = strlen(word);
		if ((size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0) {
			c->p += n;
			return 0;
		}
		return err(c, "expected a value");
	}
	default:
		return scan_number(c);
	}
}

size_t
json_syntax_error(const char *s, size_t n, const char **why)
{
	struct scan c = { s, s + n, s, NULL, 0 };
	if (scan_value(&c) == 0) {
		blanks(&c);
		if (c.p == c.end)
			return 0;
		err(&c, "text after the JSON value");
	}
	*why = c.why;
	return (size_t)(c.p - s) + 1;
}

long
json_nul_escape_at(const char *s, size_t n)
{
	for (const char *p = s; (p = memchr(p, '\\', (size_t)(s + n - p))) != NULL;) {
		/* A run of backslashes: pairs are literal, an odd one escapes. */
		const char *q = p;
		while (q < s + n && *q == '\\')
			q++;
		if ((q - p) % 2 == 1 && s + n - q >= 5 && q[0] == 'u' && memcmp(q + 1, "0000", 4) == 0)
			return (long)(q - 1 - s);
		p = q;
	}
	return -1;
}
