/* sf_schema.h - the emulated Salesforce objects and fields, shared by SOQL, describe, composite and bulk. */
#ifndef SBX_SF_SCHEMA_H
#define SBX_SF_SCHEMA_H

#include "sbx.h"

/* field types: i id, s string, e email, p phone, k picklist, b boolean, d datetime, D date,
 * r reference, a anyType (history values) */
typedef struct {
	const char *name;
	const char *col; /* SQL expression over alias t */
	char type;
	int updateable; /* by the API (composite, bulk) */
	const char *label;
	const char *ref; /* referenced object for r */
	int length;
	int nillable;
} sbx_sf_field;

typedef struct {
	const char *name;
	const char *label;
	const char *prefix;   /* key prefix of its ids */
	const char *from;     /* SQL FROM ... WHERE base condition, alias t */
	const char *from_all; /* same, deleted rows included (queryAll) */
	const sbx_sf_field *fields;
	int writable; /* Contact, Lead */
} sbx_sf_object;

/* Case-insensitive lookups. A field hidden by the field_access knob is not found. */
const sbx_sf_object *sbx_sf_object_find(const char *name);
const sbx_sf_field *sbx_sf_field_find(const sbx_sf_object *o, const char *name);
/* 2 edit, 1 read, 0 none for obj.field under the field_access knob. */
int sbx_sf_field_access(const char *object, const char *field);
/* Effective updateable flag (schema and field_access). */
int sbx_sf_field_updateable(const sbx_sf_object *o, const sbx_sf_field *f);
/* JSON value of a column of type f->type at st[col]. */
json_object *sbx_sf_value_json(const sbx_sf_field *f, sqlite3_stmt *st, int col);
/* "/services/data/v62.0/sobjects/Contact/003..." */
void sbx_sf_record_url(const char *version, const char *type, const char *id, char *out, size_t n);
/* The serial number an id was made from (see sf_make_id), or -1. */
int64_t sbx_sf_id_serial(const char *id18);

/* Writes validated fields of one Contact/Lead (object with canonical field names and JSON values),
 * bumping LastModifiedDate/SystemModstamp and adding history rows; the record must exist. */
void sbx_sf_write_fields(sbx_req *r, const char *type, const char *id, json_object *fields, int64_t at_ms);

/* Per-record update of the API (composite, single PATCH, bulk). fields: name -> JSON value as sent.
 * Returns 0 or fills code, message and the offending field. */
int sbx_sf_update_record(sbx_req *r, const char *type, const char *id_in, json_object *fields, char *code,
                         size_t codesz, char *msg, size_t msgsz, char *field, size_t fieldsz,
                         char id_out[19]);

#endif
