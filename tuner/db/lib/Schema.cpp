//===- Schema.cpp - Schema versions and their migrations -------------------===//
//
// v1: devices, kernels, problems (one row per bucketed key, with its shape class for
//     bucket-neighbour search) and trials (every trial, with timings, tool version, date).
// v2: trials gain a globally unique uid (so merges dedup) and the cache key of their cubin;
//     a blocklist of configs never to propose again; cubins for deployment databases.
//
//===----------------------------------------------------------------------===//
#include "Schema.h"

namespace attnc::tuner::schema {

namespace {

const char *kV0ToV1 = R"sql(
PRAGMA application_id = 1635021934;
CREATE TABLE devices(
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  arch TEXT NOT NULL);
CREATE TABLE kernels(
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL DEFAULT '');
CREATE TABLE problems(
  id INTEGER PRIMARY KEY,
  key_text TEXT NOT NULL UNIQUE,
  shape_class TEXT NOT NULL,
  family TEXT NOT NULL, dtype TEXT NOT NULL,
  head_dim INTEGER NOT NULL, head_dim_v INTEGER NOT NULL,
  batch_bucket INTEGER NOT NULL, heads_q INTEGER NOT NULL, heads_kv INTEGER NOT NULL,
  seq_q_bucket INTEGER NOT NULL, seq_k_bucket INTEGER NOT NULL,
  mask_kind TEXT NOT NULL);
CREATE INDEX problems_by_class ON problems(shape_class);
CREATE TABLE trials(
  id INTEGER PRIMARY KEY,
  device_id INTEGER NOT NULL REFERENCES devices(id),
  kernel_id INTEGER NOT NULL REFERENCES kernels(id),
  problem_id INTEGER NOT NULL REFERENCES problems(id),
  config TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'wrong', 'timeout')),
  reason TEXT NOT NULL DEFAULT '',
  median_ms REAL, min_ms REAL, max_ms REAL,
  samples INTEGER NOT NULL DEFAULT 0,
  tool_version TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL);
CREATE INDEX trials_by_key ON trials(kernel_id, problem_id, device_id);
)sql";

const char *kV1ToV2 = R"sql(
ALTER TABLE trials ADD COLUMN uid TEXT;
UPDATE trials SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX trials_by_uid ON trials(uid);
ALTER TABLE trials ADD COLUMN cubin_key TEXT NOT NULL DEFAULT '';
CREATE TABLE blocklist(
  device TEXT NOT NULL,
  kernel TEXT NOT NULL,
  config TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  PRIMARY KEY (device, kernel, config));
CREATE TABLE cubins(
  key TEXT PRIMARY KEY,
  arch TEXT NOT NULL,
  spec_text TEXT NOT NULL,
  cubin BLOB NOT NULL,
  created_at TEXT NOT NULL);
)sql";

} // namespace

const char *migrationSql(int from) {
  switch (from) {
  case 0:
    return kV0ToV1;
  case 1:
    return kV1ToV2;
  default:
    return nullptr;
  }
}

std::string winnerIdsSql(const std::string &db) {
  return "SELECT id FROM (SELECT t.id, ROW_NUMBER() OVER (PARTITION BY t.device_id, "
         "t.kernel_id, t.problem_id ORDER BY t.median_ms ASC, t.id DESC) AS rk FROM " +
         db + ".trials t JOIN " + db + ".devices d ON d.id = t.device_id JOIN " + db +
         ".kernels k ON k.id = t.kernel_id WHERE t.status = 'ok' AND NOT EXISTS (SELECT 1 FROM " +
         db + ".blocklist b WHERE b.device = d.fingerprint AND b.kernel = k.fingerprint AND " +
         "b.config = t.config)) WHERE rk = 1";
}

std::string trialSelectSql(const std::string &db) {
  return "SELECT t.id, d.fingerprint, k.fingerprint, k.name, p.key_text, t.config, t.status, "
         "t.reason, t.median_ms, t.min_ms, t.max_ms, t.samples, t.tool_version, t.created_at, "
         "t.cubin_key, t.uid FROM " +
         db + ".trials t JOIN " + db + ".devices d ON d.id = t.device_id JOIN " + db +
         ".kernels k ON k.id = t.kernel_id JOIN " + db + ".problems p ON p.id = t.problem_id";
}

} // namespace attnc::tuner::schema
