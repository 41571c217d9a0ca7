//===- Trials.cpp - Recording trials and reading them back -----------------===//
//
// A trial's device, kernel and problem rows are upserted in the same transaction as the
// trial itself, so a reader never sees a trial whose key is missing, and two writers
// adding the same new device at once both end up pointing at one row.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/TuningDb.h"

#include "Schema.h"
#include "Sqlite.h"
#include "Transaction.h"

#include <cmath>
#include <ctime>
#include <map>
#include <set>
#include <tuple>

namespace attnc::tuner {

using runtime::ErrorCode;
using runtime::Expected;
using runtime::makeError;
using runtime::Status;
using sqlite::Stmt;

const char *trialStatusName(TrialStatus status) {
  switch (status) {
  case TrialStatus::Ok:
    return "ok";
  case TrialStatus::Failed:
    return "failed";
  case TrialStatus::Wrong:
    return "wrong";
  case TrialStatus::Timeout:
    return "timeout";
  }
  return "failed";
}

Expected<TrialStatus> parseTrialStatus(const std::string &name) {
  for (TrialStatus s :
       {TrialStatus::Ok, TrialStatus::Failed, TrialStatus::Wrong, TrialStatus::Timeout})
    if (name == trialStatusName(s))
      return s;
  return makeError(ErrorCode::InvalidArgument,
                   "unknown trial status '" + name + "' (expected ok, failed, wrong or timeout)");
}

std::string archOfFingerprint(const std::string &fingerprint) {
  size_t first = fingerprint.find('|');
  if (first == std::string::npos)
    return "";
  size_t second = fingerprint.find('|', first + 1);
  return fingerprint.substr(first + 1,
                            second == std::string::npos ? std::string::npos : second - first - 1);
}

namespace {

std::string nowUtc() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// Reads a row of trialSelectSql.
Expected<TrialRecord> readTrial(const Stmt &st) {
  TrialRecord t;
  t.id = st.int64(0);
  t.device = st.text(1);
  t.kernel = st.text(2);
  t.kernelName = st.text(3);
  Expected<ProblemKey> problem = ProblemKey::parse(st.text(4));
  if (!problem)
    return problem.takeError();
  t.problem = *problem;
  t.config = st.text(5);
  Expected<TrialStatus> status = parseTrialStatus(st.text(6));
  if (!status)
    return status.takeError();
  t.status = *status;
  t.reason = st.text(7);
  t.medianMs = st.real(8);
  t.minMs = st.real(9);
  t.maxMs = st.real(10);
  t.samples = static_cast<int>(st.int64(11));
  t.toolVersion = st.text(12);
  t.createdAt = st.text(13);
  t.cubinKey = st.text(14);
  t.uid = st.text(15);
  return t;
}

} // namespace

/// Steps `st` to the end, collecting rows; on failure returns db's error.
static Expected<std::vector<TrialRecord>> collectTrials(Stmt &st, const std::string &path,
                                                        sqlite3 *db, const std::string &what) {
  std::vector<TrialRecord> out;
  if (!st.ok())
    return sqlite::sqliteError(db, st.rc(), path, what);
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    Expected<TrialRecord> t = readTrial(st);
    if (!t)
      return makeError(ErrorCode::IoError, "tuning database " + path + ": bad row while " + what +
                                               ": " + t.error().message);
    out.push_back(t.takeValue());
  }
  if (rc != SQLITE_DONE)
    return sqlite::sqliteError(db, rc, path, what);
  return out;
}

Expected<int64_t> TuningDb::insertTrial(const TrialRecord &t) {
  const std::string what = "recording a trial";
  if (t.device.empty() || t.kernel.empty() || t.config.empty())
    return makeError(ErrorCode::InvalidArgument,
                     "a trial needs a device fingerprint, a kernel fingerprint and a config "
                     "(got device '" +
                         t.device + "', kernel '" + t.kernel + "', config '" + t.config + "')");
  if (!std::isfinite(t.medianMs) || !std::isfinite(t.minMs) || !std::isfinite(t.maxMs) ||
      t.samples < 0)
    return makeError(ErrorCode::InvalidArgument, "trial of config '" + t.config +
                                                     "': timings must be finite and the "
                                                     "sample count non-negative");
  Stmt device(db_, "INSERT OR IGNORE INTO devices(fingerprint, arch) VALUES(?1, ?2)");
  Stmt kernel(db_, "INSERT INTO kernels(fingerprint, name) VALUES(?1, ?2) ON CONFLICT"
                   "(fingerprint) DO UPDATE SET name = excluded.name WHERE excluded.name != ''");
  Stmt problem(db_, "INSERT OR IGNORE INTO problems(key_text, shape_class, family, dtype, "
                    "head_dim, head_dim_v, batch_bucket, heads_q, heads_kv, seq_q_bucket, "
                    "seq_k_bucket, mask_kind) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)");
  Stmt trial(db_, "INSERT INTO trials(device_id, kernel_id, problem_id, config, status, reason, "
                  "median_ms, min_ms, max_ms, samples, tool_version, created_at, cubin_key, uid) "
                  "VALUES((SELECT id FROM devices WHERE fingerprint = ?1), (SELECT id FROM kernels "
                  "WHERE fingerprint = ?2), (SELECT id FROM problems WHERE key_text = ?3), ?4, ?5, "
                  "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, COALESCE(NULLIF(?14, ''), "
                  "lower(hex(randomblob(16)))))");
  for (Stmt *st : {&device, &kernel, &problem, &trial})
    if (!st->ok())
      return error(st->rc(), what);
  const ProblemKey &p = t.problem;
  device.bind(1, t.device).bind(2, archOfFingerprint(t.device));
  kernel.bind(1, t.kernel).bind(2, t.kernelName);
  problem.bind(1, p.str()).bind(2, p.shapeClass()).bind(3, p.family).bind(4, p.dtype);
  problem.bind(5, p.headDim).bind(6, p.headDimV).bind(7, p.batchBucket).bind(8, p.headsQ);
  problem.bind(9, p.headsKv).bind(10, p.seqQBucket).bind(11, p.seqKBucket).bind(12, p.maskKind);
  trial.bind(1, t.device).bind(2, t.kernel).bind(3, p.str()).bind(4, t.config);
  trial.bind(5, std::string(trialStatusName(t.status))).bind(6, t.reason);
  trial.bind(7, t.medianMs).bind(8, t.minMs).bind(9, t.maxMs).bind(10, t.samples);
  trial.bind(11, t.toolVersion).bind(12, t.createdAt.empty() ? nowUtc() : t.createdAt);
  trial.bind(13, t.cubinKey).bind(14, t.uid);
  for (Stmt *st : {&device, &kernel, &problem, &trial})
    if (int rc = st->step(); rc != SQLITE_DONE)
      return error(rc, what);
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Expected<int64_t> TuningDb::recordTrial(const TrialRecord &trial) {
  if (readOnly())
    return makeError(ErrorCode::InvalidArgument,
                     "tuning database " + path_ + " is open read-only; cannot record a trial");
  Transaction txn(*this, "recording a trial");
  if (!txn.begun())
    return txn.takeError();
  Expected<int64_t> id = insertTrial(trial);
  if (!id)
    return id;
  if (Status st = txn.commit(); !st)
    return st.takeError();
  return id;
}

Status TuningDb::recordTrials(const std::vector<TrialRecord> &trials) {
  if (readOnly())
    return makeError(ErrorCode::InvalidArgument,
                     "tuning database " + path_ + " is open read-only; cannot record trials");
  Transaction txn(*this, "recording trials");
  if (!txn.begun())
    return txn.takeError();
  for (const TrialRecord &t : trials)
    if (Expected<int64_t> id = insertTrial(t); !id)
      return id.takeError();
  return txn.commit();
}

Expected<std::optional<TrialRecord>> TuningDb::bestTrial(const std::string &device,
                                                         const std::string &kernel,
                                                         const ProblemKey &problem) const {
  Stmt st(db_, schema::trialSelectSql("main") + " WHERE t.id IN (" + schema::winnerIdsSql("main") +
                   ") AND d.fingerprint = ?1 AND k.fingerprint = ?2 AND p.key_text = ?3");
  if (st.ok())
    st.bind(1, device).bind(2, kernel).bind(3, problem.str());
  Expected<std::vector<TrialRecord>> rows =
      collectTrials(st, path_, db_, "looking up the best config");
  if (!rows)
    return rows.takeError();
  if (rows->empty())
    return std::optional<TrialRecord>();
  return std::optional<TrialRecord>(rows->front());
}

Expected<std::vector<TrialRecord>> TuningDb::winnersInShapeClass(const std::string &kernel,
                                                                 const ProblemKey &problem) const {
  Stmt st(db_, schema::trialSelectSql("main") + " WHERE t.id IN (" + schema::winnerIdsSql("main") +
                   ") AND k.fingerprint = ?1 AND p.shape_class = ?2 ORDER BY t.id");
  if (st.ok())
    st.bind(1, kernel).bind(2, problem.shapeClass());
  return collectTrials(st, path_, db_, "looking up neighbouring buckets");
}

Expected<std::vector<TrialRecord>> TuningDb::trials(const TrialFilter &f) const {
  Stmt st(db_, schema::trialSelectSql("main") +
                   " WHERE (?1 = '' OR instr(d.fingerprint, ?1) > 0) AND (?2 = '' OR "
                   "substr(k.fingerprint, 1, length(?2)) = ?2 OR k.name = ?2) AND (?3 = '' OR "
                   "instr(p.key_text, ?3) > 0) AND (?4 = 0 OR t.status = 'ok') ORDER BY t.id");
  if (st.ok())
    st.bind(1, f.device).bind(2, f.kernel).bind(3, f.problem).bind(4, f.okOnly ? 1 : 0);
  return collectTrials(st, path_, db_, "listing trials");
}

Expected<std::vector<SummaryRow>> TuningDb::summary(const TrialFilter &filter) const {
  Expected<std::vector<TrialRecord>> all = trials(filter);
  if (!all)
    return all.takeError();
  std::set<int64_t> winners;
  {
    Stmt st(db_, schema::winnerIdsSql("main"));
    if (!st.ok())
      return error(st.rc(), "listing winners");
    int rc;
    while ((rc = st.step()) == SQLITE_ROW)
      winners.insert(st.int64(0));
    if (rc != SQLITE_DONE)
      return error(rc, "listing winners");
  }
  std::map<std::tuple<std::string, std::string, std::string>, size_t> index;
  std::vector<SummaryRow> rows;
  for (TrialRecord &t : *all) {
    auto key = std::make_tuple(t.kernel, t.problem.str(), t.device);
    auto [it, added] = index.emplace(key, rows.size());
    if (added)
      rows.push_back(SummaryRow{t.device, t.kernel, t.kernelName, t.problem.str()});
    SummaryRow &row = rows[it->second];
    ++row.trials;
    row.okTrials += t.status == TrialStatus::Ok;
    if (winners.count(t.id))
      row.best = t;
  }
  return rows;
}

} // namespace attnc::tuner
