/* Unit tests for lib/record: validation, defaults, CSV text, extras. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "tap.h"

/* Validates one JSON text; returns the error's "field: msg" or "ok". */
static const char *
check(const char *json)
{
	static char out[400];
	struct rec r;
	struct rec_error e;
	cJSON *o = cJSON_Parse(json);
	if (o == NULL)
		return "unparsable test input";
	if (rec_validate(o, &r, &e) == 0)
		snprintf(out, sizeof out, "ok");
	else
		snprintf(out, sizeof out, "%s: %s", e.field, e.msg);
	cJSON_Delete(o);
	return out;
}

static void
rejects(const char *json, const char *want)
{
	const char *got = check(json);
	tap_ok(strstr(got, want) != NULL, "%s -> %s", json, got);
}

static void
accepts(const char *json)
{
	tap_is_str(check(json), "ok", json);
}

/* The record as normalised by validation. */
static char *
normal(const char *json)
{
	struct rec r;
	struct rec_error e;
	cJSON *o = cJSON_Parse(json);
	if (rec_validate(o, &r, &e)) {
		cJSON_Delete(o);
		return strdup(e.msg);
	}
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

int
main(void)
{
	accepts("{\"type\":\"person\",\"id\":\"r01\",\"role\":\"resident\",\"pgy\":2,\"specialties\":[\"im\"]}");
	rejects("{\"id\":\"r01\"}", "type: missing");
	rejects("{\"type\":\"persn\",\"id\":\"r01\"}", "type: unknown record type \"persn\"");
	rejects("{\"type\":7}", "type: unknown record type 7");
	rejects("[1,2]", "expected a JSON object");
	rejects("{\"type\":\"person\"}", "id: missing");
	rejects("{\"type\":\"person\",\"id\":\"\"}", "id: must not be empty");
	rejects("{\"type\":\"person\",\"id\":\"a\\u0001\"}", "id: contains a control character");
	rejects("{\"type\":\"person\",\"id\":\"r\",\"pgy\":9.5}", "pgy: expected an integer, got 9.5");
	rejects("{\"type\":\"person\",\"id\":\"r\",\"pgy\":11}", "pgy: expected 1..10, got 11");
	rejects("{\"type\":\"person\",\"id\":\"r\",\"pgy\":\"2\"}", "pgy: expected an integer, got \"2\"");
	rejects("{\"type\":\"person\",\"id\":\"r\",\"role\":\"boss\"}",
		"role: expected one of resident, fellow, faculty, staff; got \"boss\"");
	rejects("{\"type\":\"person\",\"id\":\"r\",\"specialties\":\"im\"}", "specialties: expected an array");
	rejects("{\"type\":\"person\",\"id\":\"r\",\"specialties\":[1]}", "specialties: expected names");
	rejects("{\"type\":\"person\",\"id\":\"r\",\"id\":\"s\"}", "id: given twice");
	accepts("{\"type\":\"person\",\"id\":\"r\",\"pgy\":null}");
	rejects("{\"type\":\"person\",\"id\":null}", "id: expected a string, got null");

	accepts("{\"type\":\"assignment\",\"person\":\"r\",\"date\":\"2026-07-01\",\"slot\":\"AM\",\"activity\":\"clinic\","
		"\"start\":\"2026-07-01T08:00:00-05:00\",\"end\":\"2026-07-01T12:00:00-05:00\"}");
	rejects("{\"type\":\"assignment\",\"person\":\"r\",\"date\":\"2026-07-01\",\"slot\":\"AM\",\"activity\":\"c\","
		"\"start\":\"2026-07-01T08:00:00-05:00\",\"end\":\"2026-07-01T13:00:00Z\"}",
		"end: 2026-07-01T13:00:00Z is not after start");
	rejects("{\"type\":\"assignment\",\"person\":\"r\",\"date\":\"2026-07-01\",\"slot\":\"AM\",\"activity\":\"c\","
		"\"start\":\"2026-07-01T08:00:00Z\"}", "end: start and end go together");
	rejects("{\"type\":\"assignment\",\"person\":\"r\",\"date\":\"2026-07-01\",\"slot\":\"AM\",\"activity\":\"c\","
		"\"start\":\"2026-07-01T08:00:00\",\"end\":\"2026-07-01T09:00:00Z\"}", "start: missing UTC offset");
	rejects("{\"type\":\"assignment\",\"person\":\"r\",\"date\":\"2026-07-01\",\"slot\":\"AM\",\"activity\":\"c\","
		"\"locked\":\"yes\"}", "locked: expected true or false");
	rejects("{\"type\":\"absence\",\"person\":\"r\",\"from\":\"2026-07-05\",\"to\":\"2026-07-04\"}",
		"to: 2026-07-04 is before from (2026-07-05)");
	rejects("{\"type\":\"activity\",\"id\":\"a\",\"slot\":\"AM\",\"pgy_min\":3,\"pgy_max\":2}",
		"pgy_min: pgy_min (3) is greater than pgy_max (2)");
	rejects("{\"type\":\"activity\",\"id\":\"a\",\"slot\":\"AM\",\"start\":\"7:00\"}", "start: expected a time of day");
	rejects("{\"type\":\"cover\",\"date\":\"2026-07-01\",\"slot\":\"AM\",\"activity\":\"a\",\"want\":2,\"min\":3,\"max\":1}",
		"min: min (3) is greater than max (1)");
	rejects("{\"type\":\"limit\",\"max_shifts\":{\"D\":-1}}", "max_shifts: expected 0..100000, got -1");
	rejects("{\"type\":\"limit\",\"max_shifts\":[1]}", "max_shifts: expected an object");
	rejects("{\"type\":\"horizon\",\"start\":\"2026-07-01\",\"days\":28,\"slots\":[]}", "slots: a horizon needs");
	rejects("{\"type\":\"finding\",\"rule\":\"acgme.80h\",\"from\":\"2026-07\",\"to\":\"2026-07-31\",\"status\":\"violation\"}",
		"from: ");
	accepts("{\"type\":\"finding\",\"rule\":\"acgme.24+4\",\"person\":\"r\",\"from\":\"2026-07-01T07:00:00-05:00\","
		"\"to\":\"2026-07-02T12:00:00-05:00\",\"status\":\"violation\",\"value\":29,\"limit\":28}");

	char *s = normal("{\"type\":\"request\",\"person\":\"r\",\"date\":\"2026-07-01\",\"want\":\"off\",\"why\":\"wedding\"}");
	tap_is_str(s, "{\"type\":\"request\",\"person\":\"r\",\"date\":\"2026-07-01\",\"want\":\"off\",\"why\":\"wedding\","
		"\"slot\":\"*\",\"activity\":\"*\",\"weight\":1}", "defaults filled, unknown field kept");
	free(s);
	s = normal("{\"type\":\"limit\",\"max_weekends\":2}");
	tap_is_str(s, "{\"type\":\"limit\",\"max_weekends\":2,\"person\":\"*\"}", "limit person defaults to *");
	free(s);

	/* Unknown fields come back out as the extra JSON. */
	struct rec r;
	struct rec_error e;
	cJSON *o = cJSON_Parse("{\"type\":\"person\",\"id\":\"r\",\"x\":{\"y\":[1,2]},\"z\":null}");
	rec_validate(o, &r, &e);
	tap_is_int(r.nextra, 2, "two unknown fields counted");
	char *extra = rec_extra_json(&r);
	tap_is_str(extra, "{\"x\":{\"y\":[1,2]},\"z\":null}", "extra JSON holds them");
	free(extra);
	cJSON_Delete(o);

	/* Text forms, as CSV cells give them. */
	const struct rec_type *act = rec_type_named("activity");
	const struct rec_type *lim = rec_type_named("limit");
	cJSON *v = rec_value_from_text(&act->fields[rec_field_index(act, "roles")], "resident|fellow", &e);
	char *p = cJSON_PrintUnformatted(v);
	tap_is_str(p, "[\"resident\",\"fellow\"]", "list cell split on |");
	free(p);
	cJSON_Delete(v);
	v = rec_value_from_text(&lim->fields[rec_field_index(lim, "max_shifts")], "E=14|D=0", &e);
	p = cJSON_PrintUnformatted(v);
	tap_is_str(p, "{\"E\":14,\"D\":0}", "counts cell name=n|name=n");
	free(p);
	cJSON_Delete(v);
	v = rec_value_from_text(&lim->fields[rec_field_index(lim, "max_shifts")], "E=x", &e);
	tap_ok(v == NULL && strstr(e.msg, "expected an integer after \"E=\""), "bad counts cell: %s", e.msg);
	v = rec_value_from_text(&lim->fields[rec_field_index(lim, "max_shifts")], "E14", &e);
	tap_ok(v == NULL, "counts cell without = rejected");
	v = rec_value_from_text(&act->fields[rec_field_index(act, "minutes")], "12x", &e);
	tap_ok(v == NULL && strcmp(e.field, "minutes") == 0, "integer cell with junk rejected");
	const struct rec_type *asg = rec_type_named("assignment");
	v = rec_value_from_text(&asg->fields[rec_field_index(asg, "locked")], "yes", &e);
	tap_ok(cJSON_IsTrue(v), "boolean cell yes");
	cJSON_Delete(v);
	v = rec_value_from_text(&asg->fields[rec_field_index(asg, "locked")], "maybe", &e);
	tap_ok(v == NULL, "boolean cell maybe rejected");

	tap_ok(rec_type_named("summary")->table == NULL, "summaries are not stored");
	int keyed = 1;
	for (int k = 0; k < RK_COUNT; k++) {
		int keys = 0;
		for (int i = 0; i < rec_types[k]->nfields; i++)
			keys += !!(rec_types[k]->fields[i].flags & F_KEY);
		keyed &= rec_types[k]->table == NULL || keys > 0;
		keyed &= rec_types[k]->nfields <= REC_MAXFIELDS;
	}
	tap_ok(keyed, "every stored type has a natural key and fits REC_MAXFIELDS");
	return tap_done();
}
