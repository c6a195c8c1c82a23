/*
 * QMP output encoding: JSON in QEMU's compact style ({"key": value, ...}) using ASCII only:
 * everything beyond U+007E is written as \uXXXX (surrogate pairs above U+FFFF).
 */
#ifndef HULL_SERVICE_JSON_WRITER_H
#define HULL_SERVICE_JSON_WRITER_H

#include <glib.h>
#include <json-glib/json-glib.h>

/* Appends node to out. Invalid UTF-8 in strings becomes U+FFFD; NaN and infinities, which
 * JSON cannot express, become null. Members keep their insertion order. */
void json_writer_append(GString *out, JsonNode *node);

/* Appends a JSON string literal for the len bytes at s (len -1: NUL-terminated). */
void json_writer_append_string(GString *out, const char *s, gssize len);

/* node as one QMP line: the JSON text followed by CRLF. */
GString *json_writer_line(JsonNode *node);

#endif
