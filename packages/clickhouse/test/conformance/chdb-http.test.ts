import { runConformance } from '../../../../test/conformance/runner.ts'
import { clickhouseFixture } from './fixture.ts'

runConformance(clickhouseFixture, 'chdb-http')
