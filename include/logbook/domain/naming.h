/* naming.h — deterministic PostgreSQL names for a template's tables and columns.
 *
 *   schema          tpl_<template key>
 *   section table   <section key>
 *   child table     <section key>__<table key>   (one per table of repeating rows)
 *   columns         the field keys; system columns start with `_`, which keys cannot
 *   CHECK names     <column>__<kind>, kind one of min, max, min_length, max_length, choices
 *
 * A name longer than PG_IDENT_MAX (63) bytes — PostgreSQL would silently truncate it — is
 * shortened to its first 54 bytes, `_`, and 8 lower-case hex digits of the FNV-1a 32-bit
 * hash of the whole name: always 63 bytes, and stable across releases. Keys are ASCII, so
 * the byte cut never splits a character. Two sections/tables of one template whose names
 * come out equal (section `a__b` + table `c` vs section `a` + table `b__c`) are reported by
 * tpl_def_parse() as `collision`. Names are returned unquoted: the store quotes every
 * identifier, so reserved words (`select`, `user`, `order`) need nothing special. */
#ifndef LOGBOOK_DOMAIN_NAMING_H
#define LOGBOOK_DOMAIN_NAMING_H

#include <stdint.h>

struct arena;

#define PG_IDENT_MAX      63
#define NAMING_KEEP_BYTES 54

/* System columns. */
#define COL_ENTRY_ID "_entry_id" /* uuid, section PK / child FK */
#define COL_REVISION "_revision" /* integer, section tables */
#define COL_ROW_NO   "_row_no"   /* integer, child tables: 1-based row position */

/* FNV-1a, 32 bits, of s. */
uint32_t naming_fnv1a32(const char *s);

/* Returns name itself (copied into a) when it fits in PG_IDENT_MAX bytes, else the
 * shortened form described above. */
char *naming_fit(struct arena *a, const char *name);

/* Each returns a new string in a. */
char *naming_schema(struct arena *a, const char *template_key);
char *naming_section_table(struct arena *a, const char *section_key);
char *naming_child_table(struct arena *a, const char *section_key, const char *table_key);
char *naming_check(struct arena *a, const char *column, const char *kind);

#endif
