import 'package:eventwire/eventwire.dart';
import 'package:test/test.dart';

void main() {
  test('Ok and Err fold, map and compare by value', () {
    const Result<int, String> ok = Ok(2);
    const Result<int, String> err = Err('no');
    expect(ok.map((v) => v * 10), equals(const Ok<int, String>(20)));
    expect(err.map((v) => v * 10), equals(const Err<int, String>('no')));
    expect(ok.fold((v) => 'v$v', (e) => 'e$e'), 'v2');
    expect(err.fold((v) => 'v$v', (e) => 'e$e'), 'eno');
    expect(ok.okOrNull, 2);
    expect(err.errOrNull, 'no');
    expect(err.mapErr((e) => e.length), equals(const Err<int, int>(2)));
    expect(ok.andThen((v) => Err<int, String>('after $v')),
        equals(const Err<int, String>('after 2')));
  });

  test('a switch over Result is exhaustive with Ok and Err', () {
    String describe(Result<int, String> r) => switch (r) {
          Ok(:final value) => 'ok $value',
          Err(:final error) => 'err $error',
        };
    expect(describe(const Ok(1)), 'ok 1');
    expect(describe(const Err('x')), 'err x');
  });

  test('CancelToken runs listeners once and can remove them', () {
    final token = CancelToken();
    var a = 0;
    var b = 0;
    token.onCancel(() => a++);
    final removeB = token.onCancel(() => b++);
    removeB();
    token.cancel();
    token.cancel();
    expect(token.isCancelled, isTrue);
    expect(a, 1);
    expect(b, 0);
    var late = 0;
    token.onCancel(() => late++);
    expect(late, 1, reason: 'a listener added after cancel runs at once');
  });
}
