//===- Schema.h - Schema versions and their migrations (private) -------*- C++ -*-===//
//
// The SQL of each schema step, and the shared SQL fragments that define a "winner".
// Migration i takes a database from user_version i to i+1; they are applied in order, in
// one transaction, so a crash mid-migration leaves the old version intact.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_DB_SCHEMA_H
#define ATTNC_TUNER_DB_SCHEMA_H

#include <string>

namespace attnc::tuner::schema {

/// PRAGMA application_id of attnc databases ("attn").
constexpr int kApplicationId = 0x6174746e;

/// The SQL taking user_version `from` to `from + 1` (from < TuningDb::kSchemaVersion).
const char *migrationSql(int from);

/// Selects `t.id` of the winning trial of each (device, kernel, problem) in schema `db`
/// ("main", an attached alias): the fastest ok trial whose config is not blocklisted, ties
/// broken towards the newest.
std::string winnerIdsSql(const std::string &db);

/// SELECT list and joins that read a TrialRecord (see readTrial) from schema `db`.
std::string trialSelectSql(const std::string &db);

} // namespace attnc::tuner::schema

#endif // ATTNC_TUNER_DB_SCHEMA_H
