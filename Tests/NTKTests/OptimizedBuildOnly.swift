import Testing

extension Trait where Self == ConditionTrait {
  /// A test that takes seconds unoptimised (tens of thousands of draws, wide networks). `make test` builds
  /// the tests unoptimised, for a short compile, and skips it; `make test-slow` builds them optimised and
  /// runs every test.
  static var optimizedBuildOnly: Self {
    #if DEBUG
      .disabled("seconds unoptimised; make test-slow runs it in an optimised build")
    #else
      .enabled(if: true)
    #endif
  }
}
