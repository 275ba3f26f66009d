import Foundation

/// An error the user can cause and fix (a config's mistake, a job that cannot be found, a store
/// held by another engine): its description is one sentence with the fix. The CLI prints it as
/// `hypertop: error: ...` and exits 2, whichever module threw it; no one rewraps it.
public protocol UserError: Error, CustomStringConvertible, Sendable {}

extension ConfigError: UserError {}
