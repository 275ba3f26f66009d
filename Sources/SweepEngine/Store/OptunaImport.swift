import Foundation
import GRDB
import HyperOpt

/// Reads a study from Optuna's tables alone (a study Python optuna wrote) as the engine events
/// that would have produced it, so it replays into a `Study` like any hypertop study.
enum OptunaImport {
    /// Name of the series intermediate values become when the study does not name its criterion.
    static let defaultCriterion = "value"

    struct Result {
        var info: StudyInfo
        var events: [EngineEvent]
    }

    private struct TrialRow {
        var id: Int64
        var number: Int
        var state: TrialState?
        var start: Date?
        var complete: Date?
        var params = Params()
        var value: Double?
        /// One value per objective, where the study has several (nil where one is missing).
        var values: [Double?] = []
        var constraints: [Double]?
        var intermediate: [MetricRow] = []
        var attributes: [String: JSONValue] = [:]
    }

    static func read(_ db: Database, studyID: Int) throws -> Result {
        guard let name = try String.fetchOne(db, sql: "SELECT study_name FROM studies WHERE study_id = ?", arguments: [studyID]) else {
            throw StoreError.unknownStudy(id: studyID)
        }
        let directions = try StudyStore.directions(db, studyID)
        var studyAttributes: [String: JSONValue] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT \"key\", value_json FROM study_system_attributes WHERE study_id = ?",
                                    arguments: [studyID]) {
            if let v = (row[1] as String?).flatMap(JSONValue.parse) { studyAttributes[row[0]] = v }
        }
        let criterion = studyAttributes[StoreKey.criterion]?.string ?? defaultCriterion

        var trials: [TrialRow] = []
        var index: [Int64: Int] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT trial_id, number, state, datetime_start, datetime_complete FROM trials
            WHERE study_id = ? ORDER BY number, trial_id
            """, arguments: [studyID]) {
            let id: Int64 = row[0]
            index[id] = trials.count
            trials.append(TrialRow(id: id, number: row[1] ?? trials.count, state: TrialState(rawValue: row[2]),
                                   start: (row[3] as String?).flatMap(OptunaFormat.date),
                                   complete: (row[4] as String?).flatMap(OptunaFormat.date)))
        }

        var space: [Parameter] = []
        var known: [String: Distribution] = [:]
        var decoded: [String: Distribution] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT p.trial_id, p.param_name, p.param_value, p.distribution_json FROM trial_params p
            JOIN trials t ON t.trial_id = p.trial_id WHERE t.study_id = ? ORDER BY p.param_id
            """, arguments: [studyID]) {
            guard let i = index[row[0]], let name: String = row[1], let json: String = row[3], let stored: Double = row[2] else { continue }
            let distribution: Distribution
            if let d = decoded[json] {
                distribution = d
            } else if let d = DistributionJSON.decode(json) {
                decoded[json] = d
                distribution = d
            } else {
                throw StoreError.corrupt(path: "study \(name)", detail: "parameter \(name) has a distribution hypertop does not know: \(json)")
            }
            if known[name] == nil {
                known[name] = distribution
                space.append(Parameter(name: name, distribution: distribution))
            }
            if case .int = distribution {
                trials[i].params[name] = .int(Int(stored.rounded()))
            } else {
                trials[i].params[name] = distribution.toExternal(stored)
            }
        }

        let objectives = max(1, directions.count)
        for row in try Row.fetchAll(db, sql: """
            SELECT v.trial_id, v.objective, v.value, v.value_type FROM trial_values v JOIN trials t ON t.trial_id = v.trial_id
            WHERE t.study_id = ?
            """, arguments: [studyID]) {
            let objective: Int = row[1]
            guard let i = index[row[0]], objective >= 0, objective < objectives else { continue }
            let value = OptunaFormat.decode(row[2], type: row[3])
            if objective == 0 { trials[i].value = value }
            if objectives > 1 {
                if trials[i].values.isEmpty { trials[i].values = Array(repeating: nil, count: objectives) }
                trials[i].values[objective] = value
            }
        }
        // Optuna 5 keeps `trial.constraints` as the system attribute `constraints`, a JSON list.
        for row in try Row.fetchAll(db, sql: """
            SELECT a.trial_id, a.value_json FROM trial_system_attributes a JOIN trials t ON t.trial_id = a.trial_id
            WHERE t.study_id = ? AND a."key" = ?
            """, arguments: [studyID, StoreKey.constraints]) {
            guard let i = index[row[0]], case .array(let items)? = (row[1] as String?).flatMap(JSONValue.parse) else { continue }
            let numbers = items.compactMap(\.number)
            if numbers.count == items.count { trials[i].constraints = numbers }
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT v.trial_id, v.step, v.intermediate_value, v.intermediate_value_type FROM trial_intermediate_values v
            JOIN trials t ON t.trial_id = v.trial_id WHERE t.study_id = ? ORDER BY v.trial_id, v.step
            """, arguments: [studyID]) {
            guard let i = index[row[0]] else { continue }
            trials[i].intermediate.append(MetricRow(step: row[1], values: [criterion: OptunaFormat.decode(row[2], type: row[3])]))
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT a.trial_id, a."key", a.value_json FROM trial_system_attributes a JOIN trials t ON t.trial_id = a.trial_id
            WHERE t.study_id = ? AND a."key" LIKE 'hypertop:%'
            """, arguments: [studyID]) {
            guard let i = index[row[0]], let v = (row[2] as String?).flatMap(JSONValue.parse) else { continue }
            trials[i].attributes[row[1]] = v
        }

        let startedAt = trials.compactMap(\.start).min() ?? Date(timeIntervalSince1970: 0)
        // Only the name, the directions and the space are recorded; the rest of the spec is a
        // placeholder, and `external` says so.
        var spec = StudySpec(studyName: name, maxTrials: trials.count, nJobs: 1,
                             direction: directions.first ?? .minimize,
                             space: SearchSpace(space), criterion: criterion,
                             configPath: studyAttributes[StoreKey.configPath]?.string ?? "")
        if directions.count > 1 { spec.directions = directions }
        let info = StudyInfo(spec: spec, sweepDir: studyAttributes[StoreKey.sweepDir]?.string ?? "",
                             stopFile: studyAttributes[StoreKey.stopFile]?.string ?? "",
                             pauseFile: studyAttributes[StoreKey.pauseFile]?.string ?? "", startedAt: startedAt,
                             external: ExternalStudy(directions: directions))

        var events: [EngineEvent] = []
        var paramSets: [Params: (id: Int, runs: Int)] = [:]
        var paramSetCount = 0
        for t in trials {
            // A WAITING trial is a queued proposal (enqueue_trial), not a run: nothing to show yet.
            guard let state = t.state, state != .waiting else { continue }
            var paramSet = paramSets[t.params]?.id ?? paramSetCount
            var repeatIndex = paramSets[t.params]?.runs ?? 0
            let recorded = t.attributes[StoreKey.paramSet] ?? t.attributes[StoreKey.legacyParamSet]
            if let g = recorded?.int, g <= paramSetCount { paramSet = g }
            if let r = t.attributes[StoreKey.repeatIndex]?.int { repeatIndex = r }
            if paramSet == paramSetCount { paramSetCount += 1 }
            paramSets[t.params] = (paramSet, repeatIndex + 1)
            var command: [String] = []
            if case .array(let items)? = t.attributes[StoreKey.command] { command = items.compactMap(\.string) }
            let started = t.start ?? t.complete ?? startedAt
            events.append(.launched(TrialLaunch(number: t.number, paramSet: paramSet, repeatIndex: repeatIndex, params: t.params,
                                                runDir: t.attributes[StoreKey.runDir]?.string ?? "", command: command,
                                                startedAt: started)))
            if !t.intermediate.isEmpty { events.append(.metrics(trial: t.number, rows: t.intermediate)) }
            if state.isFinished {
                var outcome = TrialOutcome(
                    number: t.number, state: state, score: t.value, reason: t.attributes[StoreKey.failReason]?.string,
                    exitStatus: t.attributes[StoreKey.exitStatus]?.int.map { Int32(clamping: $0) },
                    signal: t.attributes[StoreKey.signal]?.int.map { Int32(clamping: $0) }, endedAt: t.complete ?? started,
                    cause: t.attributes[StoreKey.endCause]?.string.flatMap(EndCause.init(rawValue:)))
                if objectives > 1, t.values.count == objectives, t.values.allSatisfy({ $0 != nil }) {
                    outcome.values = t.values.compactMap { $0 }
                } else if objectives > 1 {
                    outcome.score = nil  // a complete trial missing an objective has no point on the front
                }
                outcome.constraints = t.constraints
                events.append(.finished(outcome))
            }
        }
        return Result(info: info, events: [.started(info)] + events)
    }
}
