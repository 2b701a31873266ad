import { runConformance } from '../../../../test/conformance/runner.ts'
import { clickhouseFixture } from './fixture.ts'

runConformance(clickhouseFixture, 'clickhouse-18.16')
