using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Custodian.Benchmarks.RedactionBenchmarks).Assembly).Run(args);
